using System.Text.Json;
using Grpc.Core;
using Metrics.Contracts.V1;
using Metrics.Storage;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>
/// SQL injection strings everywhere a string goes in (run names, tags, hparam keys and values,
/// project names, cursors, filters): stored and served back literally, exported as literal folder
/// names, and no table is touched.
/// </summary>
[Collection(HostileGroup.Name)]
public sealed class SqlInjectionTests(HostileFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task WriteQueryExport_InjectionStringsInEveryStringField_StoredAndServedLiterally()
    {
        var services = fixture.Services;
        var before = await TableCountsAsync();
        var client = new IngestClient(services.Channel(0));
        var headers = new Metadata { { "authorization", "Bearer " + services.WriteToken } };
        var runs = new Dictionary<string, long>(StringComparer.Ordinal);
        // Run names are paths: a backslash is refused there (PathTraversalTests), so it becomes '_'.
        static string RunOf(string injection) => "sqli/" + injection.Replace('\\', '_');
        foreach (var (injection, i) in HostileData.SqlInjection.Select((s, i) => (s, i)))
        {
            var run = RunOf(injection);
            var request = new OpenRunRequest { RunName = run, WriterId = "sqli-" + i, HparamMetrics = { injection } };
            request.Hparams[injection] = new HParamValue { StringValue = injection };
            request.Hparams["lr"] = new HParamValue { NumberValue = 0.1 };
            var opened = await client.OpenRunAsync(request, headers);
            runs[run] = opened.RunId;
            using var call = client.Write(headers);
            await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = opened.RunId, WriterId = "sqli-" + i } });
            var batch = new Batch { Seq = 1 };
            batch.Metadata.Add(new SeriesMetadata { Tag = injection, PluginName = "scalars", DataClass = Contracts.V1.DataClass.Scalar, DisplayName = injection, Description = injection });
            batch.Scalars.Add(new ScalarSeries { Tag = injection, Steps = { 0, 1 }, WallTimes = { 1_700_000_000, 1_700_000_001 }, Values = { i, i + 0.5 } });
            await call.RequestStream.WriteAsync(new WriteRequest { Batch = batch });
            await call.RequestStream.CompleteAsync();
            var acks = new List<ulong>();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                if (call.ResponseStream.Current.KindCase == WriteResponse.KindOneofCase.Ack)
                {
                    acks.Add(call.ResponseStream.Current.Ack.Seq);
                }
            }

            Assert.Equal([1UL], acks);
        }

        using var http = services.QueryClient();
        foreach (var (injection, i) in HostileData.SqlInjection.Select((s, i) => (s, i)))
        {
            var run = RunOf(injection);
            var escaped = Uri.EscapeDataString(injection);
            var page = await GetJsonAsync(http, $"/api/v1/projects/{services.Options.Project}/runs?prefix={Uri.EscapeDataString(run)}");
            Assert.Equal([run], page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
            var byName = await GetJsonAsync(http, $"/api/v1/projects/{services.Options.Project}/runs?name={Uri.EscapeDataString(run)}");
            Assert.Single(byName.GetProperty("runs").EnumerateArray());
            var filtered = await GetJsonAsync(http, $"/api/v1/projects/{services.Options.Project}/runs?prefix=sqli/&hparam.{escaped}={escaped}");
            Assert.Equal([run], filtered.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()));
            var details = await GetJsonAsync(http, $"/api/v1/runs/{runs[run]}");
            Assert.Equal(injection, details.GetProperty("hparams").GetProperty(injection).GetString());
            var scalars = await GetJsonAsync(http, $"/api/v1/runs/{runs[run]}/scalars?mode=all&tag={escaped}");
            Assert.Equal([(double)i, i + 0.5], scalars.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
            using var badCursor = await http.GetAsync(new Uri($"/api/v1/projects/{services.Options.Project}/runs?cursor={escaped}", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, badCursor.StatusCode);
            using var noProject = await http.GetAsync(new Uri($"/api/v1/projects/{escaped}/runs", UriKind.Relative));
            Assert.True((int)noProject.StatusCode is >= 400 and < 500, $"project {injection}: {(int)noProject.StatusCode}");
        }

        // Project names with injection strings are refused before any SQL runs.
        foreach (var injection in HostileData.SqlInjection)
        {
            Assert.Throws<ArgumentException>(() => ProjectNames.Validate(injection));
            await Assert.ThrowsAnyAsync<ArgumentException>(() => services.Tokens.CreateAsync(injection, TokenScope.Read, injection, null, CancellationToken.None));
        }

        // The exporter writes them as literal folder names under the project.
        // The runs' hparams come out as TensorBoard's session start summary beside the scalar tag.
        static string[] ScalarTags(RunAccumulator run) => [.. run.Points.Keys.Where(t => !t.StartsWith("_hparams_/", StringComparison.Ordinal))];
        var exported = new Dictionary<string, RunAccumulator>(StringComparer.Ordinal);
        await Eventually.TrueAsync(
            () =>
            {
                var snapshot = LogdirSnapshot.Read(services.ProjectDirectory);
                exported = snapshot.Runs.Where(r => r.RunName.StartsWith("sqli/", StringComparison.Ordinal)).ToDictionary(r => r.RunName, StringComparer.Ordinal);
                return runs.Keys.All(r => exported.TryGetValue(r, out var got) && ScalarTags(got).Sum(t => got.Points[t].Count) == 2);
            },
            TimeSpan.FromSeconds(60),
            () => "injection-named runs to be exported; exported so far: " + string.Join(", ", exported.Keys));
        Assert.All(HostileData.SqlInjection, s => Assert.Equal(s, Assert.Single(ScalarTags(exported[RunOf(s)]))));
        Assert.All(HostileData.SqlInjection, s => Assert.Contains("_hparams_/session_start_info", exported[RunOf(s)].Points.Keys));

        var after = await TableCountsAsync();
        output.WriteLine($"{HostileData.SqlInjection.Length} injection strings as run names, tags, hparam keys/values, metric names, display names, cursors, filters and project names; tables before {before}, after {after}");
        Assert.True(after.Projects == before.Projects && after.Tokens == before.Tokens, $"before {before}, after {after}");
        Assert.Equal(before.Runs + HostileData.SqlInjection.Length, after.Runs);
        await fixture.AssertAllServingAsync();
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task<(long Projects, long Tokens, long Runs)> TableCountsAsync()
    {
        await using var command = fixture.Services.DataSource.CreateCommand(
            "SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM api_tokens), (SELECT count(*) FROM runs)");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
