using System.Diagnostics;
using System.Globalization;

namespace Metrics.Bench.Ingest;

/// <summary>
/// The ingest service as a child process (`dotnet Metrics.Ingest.dll`, as deployed), so its RSS
/// is its own and its CPU competes with PostgreSQL's as it would on one host.
/// </summary>
internal sealed class IngestProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private IngestProcess(Process process, StreamWriter log, Uri address)
    {
        _process = process;
        _log = log;
        Address = address;
    }

    public Uri Address { get; }

    public long RssBytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // Exited.
        }

        return 0;
    }

    public static async Task<IngestProcess> StartAsync(string databaseUrl, string pepper, string logFile, CancellationToken cancellationToken)
    {
        var assembly = Path.Combine(AppContext.BaseDirectory, "Metrics.Ingest.dll");
        var grpcPort = Metrics.Storage.Local.LocalPostgres.FreePort();
        var httpPort = Metrics.Storage.Local.LocalPostgres.FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        info.ArgumentList.Add(assembly);
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("METRICS_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["METRICS_DATABASE_URL"] = databaseUrl;
        info.Environment["METRICS_TOKEN_PEPPER"] = pepper;
        info.Environment["METRICS_GRPC_PORT"] = grpcPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["METRICS_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture);
        info.Environment["METRICS_LISTEN"] = "loopback";
        info.Environment["METRICS_INGEST_RATE_LIMIT_POINTS_PER_SECOND"] = "0";
        info.Environment["Logging__LogLevel__Default"] = "Warning";

        var log = new StreamWriter(logFile) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + assembly);
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new IngestProcess(process, log, new Uri($"http://127.0.0.1:{grpcPort.ToString(CultureInfo.InvariantCulture)}"));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 60);
        while (Stopwatch.GetTimestamp() < deadline && !process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}/health/ready"), cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow start.
            }

            await Task.Delay(100, cancellationToken);
        }

        await host.DisposeAsync();
        throw new InvalidOperationException($"the ingest service did not become ready; see {logFile}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }
}
