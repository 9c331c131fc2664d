using System.Net;
using System.Text.Json;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Stream;

public sealed class StreamApiTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stream_PointCommittedAfterSubscribing_IsPushed()
    {
        var run = await fixture.Seed.RunAsync("stream", "live");
        var series = await fixture.Seed.ScalarsAsync(run, "loss", [(0, 1, 1.0), (1, 2, 0.9)]);
        await fixture.Seed.ScalarsAsync(run, "other", [(0, 1, 5)]);
        var client = await fixture.ClientAsync("stream");

        using var timeout = new CancellationTokenSource(Patience);
        using var response = await client.GetAsync($"/api/v1/runs/{run}/stream?tag=loss", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var ready = await events.NextAsync(timeout.Token);
        Assert.Equal("ready", ready.Name);

        await fixture.Seed.AppendScalarsAsync(series, [(2, 3, 0.8), (3, 4, double.NaN)]);
        await fixture.Seed.NotifyAsync(run);

        var (name, data) = await events.NextAsync(timeout.Token);
        Assert.Equal("points", name);
        using var document = JsonDocument.Parse(data);
        Assert.Equal("loss", document.RootElement.GetProperty("tag").GetString());
        var points = Json.Points(document.RootElement);
        Assert.Equal([(2L, 3.0, 0.8), (3L, 4.0, double.NaN)], points);
    }

    [Fact]
    public async Task Stream_CommitThroughPointWriter_IsPushed()
    {
        var runs = new Metrics.Storage.Writes.RunStore(fixture.DataSource);
        var writer = new Metrics.Storage.Writes.PointWriter(fixture.DataSource);
        var projectId = await runs.EnsureProjectAsync("stream-writer", CancellationToken.None);
        var run = (await runs.OpenRunAsync(projectId, "job", "rank-0", cancellationToken: CancellationToken.None)).RunId;
        Metrics.Storage.Writes.SeriesDefinition[] loss = [new("loss", Metrics.Storage.Writes.SeriesDataClass.Scalar, "scalars", [])];
        await writer.WriteAsync(new() { RunId = run, WriterId = "rank-0", Seq = 1, Metadata = loss, Scalars = [new("loss", [0], [1], [1.5])] }, CancellationToken.None);
        var client = await fixture.ClientAsync("stream-writer");

        using var timeout = new CancellationTokenSource(Patience);
        using var response = await client.GetAsync($"/api/v1/runs/{run}/stream?tag=loss", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("ready", (await events.NextAsync(timeout.Token)).Name);

        await writer.WriteAsync(new() { RunId = run, WriterId = "rank-0", Seq = 2, Metadata = loss, Scalars = [new("loss", [1, 2], [2, 3], [1.25, 1.0])] }, CancellationToken.None);
        var (name, data) = await events.NextAsync(timeout.Token);
        Assert.Equal("points", name);
        using var document = JsonDocument.Parse(data);
        Assert.Equal([(1L, 2.0, 1.25), (2L, 3.0, 1.0)], Json.Points(document.RootElement));
    }

    [Fact]
    public async Task Stream_FromStep_StartsAtThatStepInclusive()
    {
        // As the scalars route's from_step: the step itself is included.
        var run = await fixture.Seed.RunAsync("stream-from", "live");
        await fixture.Seed.ScalarsAsync(run, "loss", [.. Enumerable.Range(190, 10).Select(s => ((long)s, (double)s, s * 0.5))]);
        var client = await fixture.ClientAsync("stream-from");

        using var timeout = new CancellationTokenSource(Patience);
        using var response = await client.GetAsync($"/api/v1/runs/{run}/stream?tag=loss&from_step=195", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("ready", (await events.NextAsync(timeout.Token)).Name);

        var (name, data) = await events.NextAsync(timeout.Token);
        Assert.Equal("points", name);
        using var document = JsonDocument.Parse(data);
        Assert.Equal([195L, 196, 197, 198, 199], Json.Points(document.RootElement).Select(p => p.Step));
    }

    [Fact]
    public async Task Stream_AllTags_FollowsTagsCreatedLater()
    {
        var run = await fixture.Seed.RunAsync("stream", "new-tags");
        await fixture.Seed.ScalarsAsync(run, "a", [(0, 1, 1.0)]);
        var client = await fixture.ClientAsync("stream");

        using var timeout = new CancellationTokenSource(Patience);
        using var response = await client.GetAsync($"/api/v1/runs/{run}/stream", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var events = new SseReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        Assert.Equal("ready", (await events.NextAsync(timeout.Token)).Name);

        await fixture.Seed.ScalarsAsync(run, "b", [(7, 1, 42)]);
        await fixture.Seed.NotifyAsync(run);
        var (name, data) = await events.NextAsync(timeout.Token);
        Assert.Equal("points", name);
        Assert.Contains("\"tag\":\"b\"", data, StringComparison.Ordinal);
        Assert.Contains("\"steps\":[7]", data, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tag=missing", HttpStatusCode.NotFound)]
    [InlineData("tag=loss%27%3B--", HttpStatusCode.NotFound)]
    public async Task Stream_UnknownTag_Returns404(string query, HttpStatusCode status)
    {
        var run = await fixture.Seed.RunAsync("stream", "bad-" + Guid.NewGuid().ToString("N"));
        await fixture.Seed.ScalarsAsync(run, "loss", [(0, 1, 1.0)]);
        var client = await fixture.ClientAsync("stream");
        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/stream?{query}"), status, "tag");
    }

    [Fact]
    public async Task Stream_OtherProjectsRun_Returns404()
    {
        var run = await fixture.Seed.RunAsync("stream-owner", "r");
        var client = await fixture.ClientAsync("stream-stranger");
        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/stream"), HttpStatusCode.NotFound);
    }

    /// <summary>Reads Server-Sent Events (skipping comments) from a response stream.</summary>
    private sealed class SseReader(System.IO.Stream stream) : IDisposable
    {
        private readonly StreamReader _reader = new(stream);

        public async Task<(string Name, string Data)> NextAsync(CancellationToken cancellationToken)
        {
            string? name = null;
            var data = new List<string>();
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the event stream ended");
                if (line.Length == 0)
                {
                    if (name is not null || data.Count > 0)
                    {
                        return (name ?? "message", string.Join('\n', data));
                    }

                    continue;
                }

                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    name = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Add(line[6..]);
                }
            }
        }

        public void Dispose() => _reader.Dispose();
    }
}
