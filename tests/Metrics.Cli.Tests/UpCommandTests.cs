using System.Text.Json;
using Metrics.Storage.Local;

namespace Metrics.Cli.Tests;

/// <summary>`metrics up` end to end: its own PostgreSQL, the three services as processes, a token.</summary>
public sealed class UpCommandTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "metrics-up-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Up_ExitWhenReady_StartsEverythingAndKeepsDataForTheNextRun()
    {
        string[] Args() =>
        [
            "up", "--no-demo", "--exit-when-ready", "--data-dir", _dataDir,
            "--ingest-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--query-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];

        var first = await ProcessRunner.RunAsync(ProcessRunner.CliDll, Args(), timeout: TimeSpan.FromMinutes(4));
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.Contains("Metrics is up.", first.StandardOutput, StringComparison.Ordinal);
        var stack = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "stack.json"))).RootElement;
        var token = stack.GetProperty("Token").GetString()!;
        Assert.StartsWith("mt_", token, StringComparison.Ordinal);
        Assert.Contains(token, first.StandardOutput, StringComparison.Ordinal);

        var second = await ProcessRunner.RunAsync(ProcessRunner.CliDll, Args(), timeout: TimeSpan.FromMinutes(4));
        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        Assert.Contains(token, second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Creating a PostgreSQL cluster", second.StandardOutput, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
