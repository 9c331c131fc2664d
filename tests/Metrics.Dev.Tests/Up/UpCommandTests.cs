using System.Text.Json;

namespace Metrics.Dev.Tests.Up;

/// <summary>`metrics up` end to end: its own PostgreSQL, the three services as processes, a token.</summary>
public sealed class UpCommandTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "metrics-up-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Up_ExitWhenReady_StartsEverythingAndKeepsDataForTheNextRun()
    {
        // Port 0: each service binds a free port and `up` prints (and saves) the ones they got.
        string[] Args() =>
        [
            "up", "--no-demo", "--exit-when-ready", "--data-dir", _dataDir,
            "--ingest-port", "0",
            "--query-port", "0",
            "--tensorboard-port", "0",
        ];

        var first = await ProcessRunner.RunDotnetAsync(ServiceBinaries.DevTool, Args(), timeout: TimeSpan.FromMinutes(4));
        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.Contains("Metrics is up.", first.StandardOutput, StringComparison.Ordinal);
        Assert.Matches(@"tensorboard --grpc_data_provider=localhost:[1-9]\d*", first.StandardOutput);
        var stack = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "stack.json"))).RootElement;
        var token = stack.GetProperty("Token").GetString()!;
        Assert.StartsWith("mt_", token, StringComparison.Ordinal);
        Assert.Contains(token, first.StandardOutput, StringComparison.Ordinal);

        var second = await ProcessRunner.RunDotnetAsync(ServiceBinaries.DevTool, Args(), timeout: TimeSpan.FromMinutes(4));
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

        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.DevTool,
            [
                "up", "--no-demo", "--exit-when-ready", "--data-dir", _dataDir,
                "--ingest-port", "0",
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
        string[] args = ["up", "--no-demo", "--data-dir", _dataDir, "--ingest-port", "0", "--query-port", "0", "--tensorboard-port", "0"];
        string? queryUrl = null;
        var pidFile = Path.Combine(_dataDir, "postgres", "pgdata", "postmaster.pid");
        using var up = ProcessRunner.StartDotnet(ServiceBinaries.DevTool, args);
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
            queryUrl = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_dataDir, "stack.json"))).RootElement.GetProperty("QueryUrl").GetString();

            // The other commands find a stack started with --data-dir by the flag or METRICS_DATA_DIR.
            var byFlag = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["token", "create", "--project", "dev", "--scope", "read", "--data-dir", _dataDir]);
            Assert.True(byFlag.ExitCode == 0, byFlag.StandardOutput + byFlag.StandardError);
            Assert.StartsWith("mt_", byFlag.StandardOutput.Trim(), StringComparison.Ordinal);
            var byEnvironment = await ProcessRunner.RunDotnetAsync(ServiceBinaries.Cli, ["db", "migrate"], new Dictionary<string, string> { ["METRICS_DATA_DIR"] = _dataDir });
            Assert.True(byEnvironment.ExitCode == 0, byEnvironment.StandardOutput + byEnvironment.StandardError);

            await ProcessRunner.SignalAsync(up.Id, signal);

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
                await ProcessRunner.SignalAsync(postmaster, "QUIT");
            }
        }

        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"{queryUrl}/health/live")));
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
