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
        var tensorBoardPort = LocalPostgres.FreePort();
        string[] Args() =>
        [
            "up", "--no-demo", "--exit-when-ready", "--data-dir", _dataDir,
            "--ingest-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--query-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tensorboard-port", tensorBoardPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];

        var first = await ProcessRunner.RunAsync(ProcessRunner.DevDll, Args(), timeout: TimeSpan.FromMinutes(4));
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.Contains("Metrics is up.", first.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"tensorboard --grpc_data_provider=localhost:{tensorBoardPort}", first.StandardOutput, StringComparison.Ordinal);
        var stack = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "stack.json"))).RootElement;
        var token = stack.GetProperty("Token").GetString()!;
        Assert.StartsWith("mt_", token, StringComparison.Ordinal);
        Assert.Contains(token, first.StandardOutput, StringComparison.Ordinal);

        var second = await ProcessRunner.RunAsync(ProcessRunner.DevDll, Args(), timeout: TimeSpan.FromMinutes(4));
        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        Assert.Contains(token, second.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Creating a PostgreSQL cluster", second.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_PortTaken_NamesThePortAndItsFlagAndStartsNothing()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Any, 0);
        holder.Start();
        var busy = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var result = await ProcessRunner.RunAsync(ProcessRunner.DevDll,
            [
                "up", "--no-demo", "--exit-when-ready", "--data-dir", _dataDir,
                "--ingest-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--query-port", busy,
            ],
            timeout: TimeSpan.FromMinutes(1));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"port {busy} (query REST API) is already in use", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--query-port", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dataDir), "up created its data folder (started something) before checking its ports");
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task Up_Signal_StopsServicesAndPostgresAndExitsZero(string signal)
    {
        var queryPort = LocalPostgres.FreePort();
        string[] args =
        [
            "up", "--no-demo", "--data-dir", _dataDir,
            "--ingest-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--query-port", queryPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tensorboard-port", LocalPostgres.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        var pidFile = Path.Combine(_dataDir, "postgres", "pgdata", "postmaster.pid");
        using var up = ProcessRunner.Start(ProcessRunner.DevDll, args);
        try
        {
            var output = new System.Text.StringBuilder();
            var ready = new TaskCompletionSource();
            up.OutputDataReceived += (_, e) =>
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (e.Data?.StartsWith("Press Ctrl-C", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult();
                }
            };
            up.BeginOutputReadLine();
            var stderr = up.StandardError.ReadToEndAsync();
            await ready.Task.WaitAsync(TimeSpan.FromMinutes(4));
            Assert.True(File.Exists(pidFile), "PostgreSQL is not running under " + _dataDir);

            // The other commands find a stack started with --data-dir by the flag or METRICS_DATA_DIR.
            var byFlag = await ProcessRunner.RunAsync(ProcessRunner.CliDll, ["token", "create", "--project", "dev", "--scope", "read", "--data-dir", _dataDir]);
            Assert.True(byFlag.ExitCode == 0, byFlag.StandardOutput + byFlag.StandardError);
            Assert.StartsWith("mt_", byFlag.StandardOutput.Trim(), StringComparison.Ordinal);
            var byEnvironment = await ProcessRunner.RunAsync(ProcessRunner.CliDll, ["db", "migrate"], new Dictionary<string, string> { ["METRICS_DATA_DIR"] = _dataDir });
            Assert.True(byEnvironment.ExitCode == 0, byEnvironment.StandardOutput + byEnvironment.StandardError);

            using (var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, up.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            await up.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            string text;
            lock (output)
            {
                text = output.ToString();
            }

            Assert.True(up.ExitCode == 0, $"exit {up.ExitCode}: {text} {await stderr}");
            Assert.Contains("Stopping...", text, StringComparison.Ordinal);
            Assert.False(File.Exists(pidFile), "PostgreSQL was left running after SIGINT/SIGTERM");
        }
        finally
        {
            // A failed run must not leave the stack (services, PostgreSQL) running behind the test.
            if (!up.HasExited)
            {
                up.Kill(entireProcessTree: true);
            }

            // pg_ctl detaches the postmaster from the tree; SIGQUIT is PostgreSQL's immediate shutdown.
            if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
            {
                using var quit = System.Diagnostics.Process.Start("kill", ["-QUIT", postmaster.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                await quit.WaitForExitAsync();
            }
        }

        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://127.0.0.1:{queryPort}/health/live")));
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
