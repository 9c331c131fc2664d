using System.Net;
using System.Net.Http.Headers;
using Metrics.Export.Tests.Support;
using Metrics.Exporter.Tests.Support;
using Metrics.Storage;
using Metrics.Testing;
using Microsoft.Extensions.Options;

namespace Metrics.Exporter.Tests;

/// <summary>
/// The query service's GET /runs/{id}/logdir.tar.gz as a real process. It lives here, beside the
/// other service-process tests, until the query tests start services the same way.
/// </summary>
public sealed class LogdirRouteTests(DatabaseFixture database) : IClassFixture<DatabaseFixture>, IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("logdir-route-");
    private readonly TestIngest _ingest = new(database.DataSource);

    public void Dispose() => _root.Delete(recursive: true);

    [Fact]
    public async Task LogdirRoute_ReadToken_StreamsRunAsTarGz()
    {
        var runId = await _ingest.RunAsync("route", "mnist/lr-0.1/train");
        var loss = await _ingest.SeriesAsync(runId, "loss");
        await _ingest.CommitAsync(runId, [.. Enumerable.Range(0, 100).Select(i => new TestPoint(loss, i, 1e9 + i, i * 0.25))]);
        var otherRun = await _ingest.RunAsync("route-other", "secret");
        var tokens = new TokenStore(database.DataSource, Options.Create(new TokenOptions { Pepper = ServiceProcess.TestPepper }), TimeProvider.System);
        var token = await tokens.CreateAsync("route", TokenScope.Read, "test", null, CancellationToken.None);
        using var query = ServiceProcess.Start("query", new() { ["METRICS_DATABASE_URL"] = database.Url });
        await query.WaitReadyAsync();
        using var http = new HttpClient { BaseAddress = query.HttpAddress };
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync("health/ready")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return query.HasExited;
                }
            },
            TimeSpan.FromSeconds(60),
            () => "query service ready");
        Assert.False(query.HasExited, query.Output);

        using var anonymous = await http.GetAsync($"api/v1/runs/{runId}/logdir.tar.gz");
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var foreign = await http.GetAsync($"api/v1/runs/{otherRun}/logdir.tar.gz");
        using var response = await http.GetAsync($"api/v1/runs/{runId}/logdir.tar.gz");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/gzip", response.Content.Headers.ContentType?.MediaType);
        var entries = await ArchiveExtract.ExtractAsync(await response.Content.ReadAsStreamAsync(), Path.Combine(_root.FullName, "route"));
        Assert.StartsWith("mnist/lr-0.1/train/events.out.tfevents.", Assert.Single(entries), StringComparison.Ordinal);
        await ExportAssert.LogdirEqualsDatabaseAsync(database.DataSource, _root.FullName, "route");
    }
}
