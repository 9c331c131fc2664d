using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Metrics.Bench.Soak;
using Metrics.Contracts.V1;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>
/// Every REST parameter of the query service with bad values (negative, huge, non-numeric,
/// control characters, injection strings): each answer is 2xx, or 4xx as problem+json; never 5xx.
/// </summary>
[Collection(HostileGroup.Name)]
public sealed class QueryParameterFuzzTests(HostileFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Get_EveryParameterWithBadValues_NeverServerErrorAndProblemJsonFor4xx()
    {
        var services = fixture.Services;
        var runId = await SeedRunAsync();
        var project = services.Options.Project;
        var run = runId.ToString(CultureInfo.InvariantCulture);
        // Each endpoint with valid values for every parameter; each parameter is then replaced in turn.
        var endpoints = new (string Path, Dictionary<string, string> Query)[]
        {
            ($"/api/v1/projects/{project}/runs", new() { ["prefix"] = "q/", ["name"] = "q/run-000", ["cursor"] = "", ["limit"] = "10", ["sort"] = "name", ["hparam.lr"] = "0.1" }),
            ($"/api/v1/runs/{run}", []),
            ($"/api/v1/runs/{run}/tags", []),
            ($"/api/v1/runs/{run}/scalars", new() { ["tag"] = "w0/loss", ["from_step"] = "0", ["to_step"] = "100", ["max_points"] = "50", ["mode"] = "all", ["x"] = "step", ["format"] = "json" }),
            ($"/api/v1/runs/{run}/tensors", new() { ["tag"] = "w0/loss", ["from_step"] = "0", ["to_step"] = "100", ["max_points"] = "50" }),
            ($"/api/v1/runs/{run}/blobs", new() { ["tag"] = "w0/loss", ["from_step"] = "0", ["to_step"] = "100", ["max_points"] = "50" }),
            ($"/api/v1/projects/{project}/hparams", new() { ["prefix"] = "q/", ["limit"] = "10" }),
            ($"/api/v1/runs/{run}/stream", new() { ["tag"] = "w0/loss", ["from_step"] = "0" }),
            ($"/api/v1/runs/{run}/logdir.tar.gz", []),
        };
        var failures = new List<string>();
        var requests = 0;
        using var http = services.QueryClient();
        foreach (var (path, query) in endpoints)
        {
            await CheckAsync(http, path + Query(query), failures);
            requests++;
            foreach (var parameter in query.Keys)
            {
                foreach (var bad in HostileData.BadParameterValues)
                {
                    var mutated = new Dictionary<string, string>(query) { [parameter] = bad };
                    await CheckAsync(http, path + Query(mutated), failures);
                    requests++;
                }
            }
        }

        // Path parameters: run ids, blob ids and project names.
        foreach (var bad in HostileData.BadParameterValues.Where(b => b.Length < 4000))
        {
            var segment = Uri.EscapeDataString(Uri.UnescapeDataString(bad));
            foreach (var path in new[] { $"/api/v1/runs/{segment}", $"/api/v1/runs/{segment}/scalars?tag=x", $"/api/v1/blobs/{segment}", $"/api/v1/projects/{segment}/runs", $"/api/v1/projects/{segment}/hparams" })
            {
                await CheckAsync(http, path, failures);
                requests++;
            }
        }

        output.WriteLine($"query parameter fuzz: {requests} requests, {failures.Count} violations");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(40)));
        await fixture.AssertAllServingAsync();
    }

    [Fact]
    public async Task PostScalarsQuery_MalformedBodies_NeverServerErrorAndProblemJsonFor4xx()
    {
        var runId = await SeedRunAsync();
        var run = runId.ToString(CultureInfo.InvariantCulture);
        var bodies = new List<string>
        {
            "", "{", "null", "[]", "\"text\"", "{\"run_ids\":\"1\"}", "{\"run_ids\":[\"a\"]}", "{\"run_ids\":[1.5]}",
            "{\"run_ids\":[99999999999999999999999]}", "{\"run_ids\":[-1],\"tags\":[\"x\"]}", "{\"run_ids\":null,\"tags\":null}",
            $"{{\"run_ids\":[{run}],\"tags\":[\"w0/loss\"],\"max_points\":-5}}",
            $"{{\"run_ids\":[{run}],\"tags\":[\"w0/loss\"],\"max_points\":2147483648}}",
            $"{{\"run_ids\":[{run}],\"tags\":[\"w0/loss\"],\"from_step\":10,\"to_step\":-10}}",
            $"{{\"run_ids\":[{run}],\"tags\":[\"w0/loss\"],\"mode\":\"' OR 1=1 --\",\"x\":\"<x>\",\"format\":\"../x\"}}",
            $"{{\"run_ids\":[{string.Join(",", Enumerable.Range(1, 20_000))}],\"tags\":[\"w0/loss\"]}}",
            $"{{\"run_ids\":[{run}],\"tags\":[{string.Join(",", Enumerable.Range(1, 20_000).Select(i => "\"t" + i + "\""))}]}}",
            "{\"run_ids\":[1],\"tags\":[\"" + new string('x', 100_000) + "\"]}",
            new string('[', 10_000) + new string(']', 10_000),
        };
        bodies.AddRange(HostileData.SqlInjection.Select(s => $"{{\"run_ids\":[{run}],\"tags\":[{JsonSerializer.Serialize(s)}]}}"));
        var failures = new List<string>();
        using var http = fixture.Services.QueryClient();
        foreach (var body in bodies)
        {
            using var content = new StringContent(body, Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(new Uri($"/api/v1/projects/{fixture.Services.Options.Project}/scalars/query", UriKind.Relative), content);
            await CollectAsync(response, "POST " + (body.Length > 80 ? body[..80] + "…" : body), failures);
        }

        output.WriteLine($"scalars/query body fuzz: {bodies.Count} requests, {failures.Count} violations");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        await fixture.AssertAllServingAsync();
    }

    internal static async Task CollectAsync(HttpResponseMessage response, string what, List<string> failures)
    {
        var status = (int)response.StatusCode;
        var type = response.Content.Headers.ContentType?.MediaType;
        if (status >= 500)
        {
            failures.Add($"{status} for {what}: {Truncate(await response.Content.ReadAsStringAsync())}");
        }
        else if (status is 400 or 414 or 431 && response.Content.Headers.ContentLength == 0)
        {
            // Refused by Kestrel before the application (request line too long, NUL in the path):
            // HTTP-level errors without a body; the API never sees them.
        }
        else if (status >= 400 && type != "application/problem+json")
        {
            failures.Add($"{status} without problem+json ({type ?? "no body"}) for {what}");
        }
    }

    private static async Task CheckAsync(HttpClient http, string pathAndQuery, List<string> failures)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            // Headers only: a valid live tail (stream) answers 200 and would never end.
            using var response = await http.GetAsync(new Uri(pathAndQuery, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await CollectAsync(response, "GET " + Truncate(pathAndQuery), failures);
        }
        catch (TaskCanceledException)
        {
            failures.Add("no answer within 20 s for GET " + Truncate(pathAndQuery));
        }
    }

    private static string Query(Dictionary<string, string> query) =>
        query.Count == 0 ? "" : "?" + string.Join("&", query.Select(kv => kv.Key + "=" + (kv.Value.Contains('%', StringComparison.Ordinal) ? kv.Value : Uri.EscapeDataString(kv.Value))));

    private static string Truncate(string text) => text.Length > 160 ? text[..160] + "…" : text;

    /// <summary>Run q/run-000 with 300 points of tag w0/loss (written once per fixture); returns its id.</summary>
    private async Task<long> SeedRunAsync()
    {
        var series = LoadSeries.For(0, 1, 100, "q");
        await using (var exists = fixture.Services.DataSource.CreateCommand("SELECT run_id FROM runs WHERE name = 'q/run-000'"))
        {
            if (await exists.ExecuteScalarAsync() is long id)
            {
                return id;
            }
        }

        var writer = new LoadWriter(series, new IngestClient(fixture.Services.Channel(0)), fixture.Services.WriteToken, new LatencyRecorder(), maxBatches: 3);
        await writer.RunAsync(CancellationToken.None, CancellationToken.None);
        Assert.Null(writer.Fault);
        await using var command = fixture.Services.DataSource.CreateCommand("SELECT run_id FROM runs WHERE name = 'q/run-000'");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
