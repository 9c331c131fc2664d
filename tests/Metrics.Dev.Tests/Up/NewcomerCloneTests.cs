using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Metrics.Testing;

namespace Metrics.Dev.Tests.Up;

/// <summary>
/// The README's quick start as a newcomer runs it: `git clone`, then `./metrics up` from the clone
/// (root's home is mode 700, so the postgres user cannot enter it; paths may hold spaces), a token,
/// an upload of a fixture that ships in the repository, a stop, a second `up` that finds the same
/// data and token. Every step is the real wrapper script and real processes.
/// </summary>
public sealed class NewcomerCloneTests : IDisposable
{
    private static readonly TimeSpan BuildAndStart = TimeSpan.FromMinutes(15);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "metrics-clone-test-" + Guid.NewGuid().ToString("N")[..8]);
    private string? _clone;

    [Theory]
    [InlineData("home-mode-700")]
    [InlineData("path with spaces")]
    public async Task Up_FreshClone_StartsUploadsStopsAndFindsTheSameDataAgain(string where)
    {
        _clone = where == "home-mode-700"
            ? Path.Combine(CreateFolder(Path.Combine(_scratch, "home"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute), "metrics")
            : Path.Combine(CreateFolder(Path.Combine(_scratch, "my projects"), null), "metrics clone");
        var cloned = await RunAsync("git", ["clone", "--quiet", RepoPaths.Root, _clone], _scratch, TimeSpan.FromMinutes(2));
        Assert.True(cloned.ExitCode == 0, cloned.Output);

        // Port 0: the services bind free ports; `up` saves them in .metrics/stack.json, where the other commands look.
        string[] up = ["./metrics", "up", "--no-demo", "--ingest-port", "0", "--query-port", "0", "--tensorboard-port", "0"];

        string token;
        using (var first = await UpStack.StartAsync(_clone, up))
        {
            var created = await RunAsync("bash", ["./metrics", "token", "create", "--project", "dev", "--scope", "write"], _clone, TimeSpan.FromMinutes(2));
            Assert.True(created.ExitCode == 0, created.Output);
            token = created.StandardOutput.Trim();
            Assert.StartsWith("mt_", token, StringComparison.Ordinal);

            var fixture = Path.Combine(_clone, "tests", "fixtures", "tensorboard", "basic");
            var uploaded = await RunAsync("bash", ["./metrics", "upload", "--logdir", fixture, "--token", token], _clone, TimeSpan.FromMinutes(3));
            Assert.True(uploaded.ExitCode == 0, uploaded.Output);
            await first.StopAsync();
        }

        using (var second = await UpStack.StartAsync(_clone, up))
        {
            Assert.DoesNotContain("Creating a PostgreSQL cluster", second.Output, StringComparison.Ordinal);
            using var stack = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_clone, ".metrics", "stack.json")));
            await AssertFixtureServedAsync(stack.RootElement.GetProperty("QueryUrl").GetString()!, token);
            await second.StopAsync();
        }
    }

    /// <summary>Every run and scalar of basic.expected.json, read back through the REST API.</summary>
    private static async Task AssertFixtureServedAsync(string queryUrl, string token)
    {
        using var http = new HttpClient { BaseAddress = new Uri(queryUrl) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var runs = JsonDocument.Parse(await http.GetStringAsync(new Uri("/api/v1/projects/dev/runs?limit=100", UriKind.Relative)));
        var ids = runs.RootElement.GetProperty("runs").EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("run_id").GetInt64());

        using var expected = JsonDocument.Parse(await File.ReadAllTextAsync(RepoPaths.FixtureExpectedJson("basic")));
        foreach (var run in expected.RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetString()!))
        {
            Assert.True(ids.ContainsKey(run), $"run {run} missing after the restart; have {string.Join(", ", ids.Keys)}");
        }

        foreach (var (run, tags) in expected.RootElement.GetProperty("scalars").GetProperty("scalars").EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            foreach (var tag in tags.EnumerateObject())
            {
                var url = $"/api/v1/runs/{ids[run]}/scalars?tag={Uri.EscapeDataString(tag.Name)}&mode=all";
                using var series = JsonDocument.Parse(await http.GetStringAsync(new Uri(url, UriKind.Relative)));
                var steps = series.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64());
                Assert.Equal(tag.Value.EnumerateArray().Select(p => p[0].GetInt64()), steps);
            }
        }
    }

    private static string CreateFolder(string path, UnixFileMode? mode)
    {
        Directory.CreateDirectory(path);
        if (mode is { } m && OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(path, m);
        }

        return path;
    }

    // A newcomer has none of the test run's settings: no METRICS_* variable reaches the child.
    private static async Task<(int ExitCode, string StandardOutput, string Output)> RunAsync(string file, string[] args, string workingDirectory, TimeSpan timeout)
    {
        var result = await ProcessRunner.RunAsync(file, args, workingDirectory: workingDirectory, clearMetricsEnvironment: true, timeout: timeout);
        return (result.ExitCode, result.StandardOutput, $"{file} {string.Join(' ', args)}: exit {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
    }

    public void Dispose()
    {
        if (_clone is not null)
        {
            // PostgreSQL's data lives outside the clone when the postgres user cannot enter it.
            var relocated = LocalPostgres.RelocatedFolder(Path.Combine(_clone, ".metrics", "postgres"));
            foreach (var cluster in new[] { relocated, Path.Combine(_clone, ".metrics", "postgres") })
            {
                // A failed run may leave the postmaster (detached by pg_ctl) behind: SIGQUIT stops it at once.
                var pidFile = Path.Combine(cluster, "pgdata", "postmaster.pid");
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).First(), out var postmaster))
                {
                    ProcessRunner.SignalAsync(postmaster, "QUIT").GetAwaiter().GetResult();
                }
            }

            foreach (var dir in new[] { relocated, _scratch })
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (DirectoryNotFoundException)
                {
                }
            }
        }
    }

    /// <summary>`./metrics up` running in the clone, ready once it prints its Ctrl-C line.</summary>
    private sealed class UpStack : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private UpStack(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<UpStack> StartAsync(string clone, string[] args)
        {
            var process = ProcessRunner.Start("bash", args, workingDirectory: clone, clearMetricsEnvironment: true);
            var stack = new UpStack(process);
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void Read(string? line)
            {
                if (line is null)
                {
                    return;
                }

                lock (stack._output)
                {
                    stack._output.AppendLine(line);
                }

                if (line.StartsWith("Press Ctrl-C", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }

            process.OutputDataReceived += (_, e) => Read(e.Data);
            process.ErrorDataReceived += (_, e) => Read(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(ready.Task, exited, Task.Delay(BuildAndStart)) != ready.Task)
            {
                stack.Dispose();
                Assert.Fail("./metrics up did not become ready:\n" + stack.Output);
            }

            return stack;
        }

        /// <summary>Ctrl-C, as a person stops it: everything stops and `up` exits 0.</summary>
        public async Task StopAsync()
        {
            await ProcessRunner.SignalAsync(_process.Id, "INT");

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(_process.ExitCode == 0, $"up exited {_process.ExitCode}:\n{Output}");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
