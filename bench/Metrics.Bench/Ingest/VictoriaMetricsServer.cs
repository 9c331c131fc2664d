using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Metrics.LocalStack;

namespace Metrics.Bench.Ingest;

/// <summary>
/// A private single-node VictoriaMetrics for the ingest benchmark's peer figure: the
/// `victoria-metrics` binary (Debian package `victoria-metrics`) on a free loopback port with a
/// temporary storage directory, killed on dispose. Points go in through the Influx line protocol
/// endpoint (/write); /internal/force_flush makes them searchable; a PromQL count reads them back.
/// </summary>
internal sealed class VictoriaMetricsServer : IAsyncDisposable
{
    public const string Executable = "victoria-metrics";

    private readonly ServiceProcess _process;
    private readonly HttpClient _http;

    private VictoriaMetricsServer(ServiceProcess process, Uri address)
    {
        _process = process;
        Address = address;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>CPU seconds the server has used so far.</summary>
    public double CpuSeconds => _process.ProcessId is { } id ? ProcessCpu.Seconds(id) : 0;

    /// <summary>http://127.0.0.1:&lt;port&gt;/</summary>
    public Uri Address { get; }

    /// <summary>The binary on PATH, or null when the package is not installed.</summary>
    public static string? FindBinary() => ProcessRunner.FindOnPath(Executable);

    /// <summary>Starts VictoriaMetrics storing in <paramref name="dataDir"/>, on the first free candidate port, and waits until /health answers.</summary>
    public static Task<VictoriaMetricsServer> StartAsync(string binary, string dataDir, string logFile, CancellationToken cancellationToken) =>
        LoopbackPorts.BindAsync(port => StartOnPortAsync(binary, dataDir, logFile, port, cancellationToken), e => e is PortTakenException);

    /// <summary>POSTs line-protocol <paramref name="body"/> to /write; VictoriaMetrics answers 204 once it has parsed and buffered the rows (no fsync).</summary>
    public async Task WriteAsync(byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await _http.PostAsync(new Uri("write", UriKind.Relative), content, cancellationToken);
        await EnsureSuccessAsync(response, "/write", cancellationToken);
    }

    /// <summary>Makes every buffered row searchable (GET /internal/force_flush).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri("internal/force_flush", UriKind.Relative), cancellationToken);
        await EnsureSuccessAsync(response, "/internal/force_flush", cancellationToken);
    }

    /// <summary>Samples stored under label bench=<paramref name="label"/> with timestamps in [<paramref name="fromWall"/>, <paramref name="toWall"/>] (seconds).</summary>
    public async Task<long> CountSamplesAsync(string label, double fromWall, double toWall, CancellationToken cancellationToken)
    {
        var at = Math.Ceiling(toWall) + 1;
        var window = (long)Math.Ceiling(at - fromWall) + 1;
        var query = $"sum(count_over_time({InfluxLines.MetricName}{{bench=\"{label}\"}}[{window.ToString(CultureInfo.InvariantCulture)}s]))";
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["query"] = query,
            ["time"] = at.ToString(CultureInfo.InvariantCulture),
        });
        using var response = await _http.PostAsync(new Uri("api/v1/query", UriKind.Relative), form, cancellationToken);
        await EnsureSuccessAsync(response, "/api/v1/query", cancellationToken);
        using var json = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var result = json.RootElement.GetProperty("data").GetProperty("result");
        return result.GetArrayLength() == 0 ? 0 : long.Parse(result[0].GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _process.DisposeAsync();
    }

    private static async Task<VictoriaMetricsServer> StartOnPortAsync(string binary, string dataDir, string logFile, int port, CancellationToken cancellationToken)
    {
        var process = new ServiceProcess(new ServiceProcessOptions
        {
            Name = Executable,
            FileName = binary,
            Arguments =
            [
                "-storageDataPath=" + dataDir,
                "-httpListenAddr=127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture),
                // The benchmark's wall times start in 2023; the default retention (1 month) would drop them.
                "-retentionPeriod=100y",
                // Counts read back right after the writes must not come from a cached earlier answer.
                "-search.disableCache",
            ],
            LogFile = logFile,
            StopGrace = TimeSpan.Zero,
        });
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        try
        {
            process.Start();
            using var probe = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(2) };
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                if (!process.IsRunning)
                {
                    // Its last words: "cannot start http server at http://127.0.0.1:P/: listen tcp ...: bind: address already in use".
                    throw process.Tail.Contains("address already in use", StringComparison.Ordinal)
                        ? new PortTakenException(port)
                        : new InvalidOperationException($"{Executable} exited at start:\n{process.Tail}");
                }

                if (await IsHealthyAsync(probe, cancellationToken))
                {
                    return new VictoriaMetricsServer(process, address);
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"{Executable} did not answer /health within 60 s:\n{process.Tail}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static async Task<bool> IsHealthyAsync(HttpClient probe, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await probe.GetAsync(new Uri("health", UriKind.Relative), cancellationToken);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string endpoint, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"{Executable} {endpoint}: {(int)response.StatusCode} {body}");
        }
    }

    private sealed class PortTakenException(int port) : Exception("port " + port.ToString(CultureInfo.InvariantCulture) + " is taken");
}
