using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Metrics.Contracts.V1;
using Metrics.Resilience.Tests.Support;
using Metrics.Storage;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>Expired, revoked, foreign, under-scoped and malformed tokens at ingest (gRPC) and query (REST).</summary>
[Collection(HostileGroup.Name)]
public sealed class TokenTests(HostileFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task IngestAndQuery_BadTokens_RefusedWithPreciseStatusAndNothingWritten()
    {
        var services = fixture.Services;
        var project = services.Options.Project;
        var tokens = services.Tokens;
        var expired = await tokens.CreateAsync(project, TokenScope.Admin, "expired", DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);
        var revoked = await tokens.CreateAsync(project, TokenScope.Admin, "revoked", null, CancellationToken.None);
        Assert.True(await tokens.RevokeAsync(revoked, CancellationToken.None));
        var otherWrite = await tokens.CreateAsync("other-project", TokenScope.Admin, "other", null, CancellationToken.None);
        var client = new IngestClient(services.Channel(0));
        var own = await client.OpenRunAsync(new OpenRunRequest { RunName = "tokens/own", WriterId = "owner" }, Bearer(services.WriteToken));
        var before = await PointsAsync();

        // Ingest: who may open a run, and who may write to one.
        var unauthenticated = new[] { ("expired", expired), ("revoked", revoked), ("garbage", "mtk_" + new string('x', 40)), ("empty", ""), ("injection", HostileData.SqlInjection[1]), ("huge", new string('a', 16 * 1024)) };
        foreach (var (name, token) in unauthenticated)
        {
            await AssertIngestRefusedAsync(client, name, Bearer(token), own.RunId, StatusCode.Unauthenticated);
        }

        await AssertIngestRefusedAsync(client, "no authorization", [], own.RunId, StatusCode.Unauthenticated);
        await AssertIngestRefusedAsync(client, "basic scheme", new Metadata { { "authorization", "Basic " + Convert.ToBase64String("a:b"u8.ToArray()) } }, own.RunId, StatusCode.Unauthenticated);
        await AssertIngestRefusedAsync(client, "read scope", Bearer(services.ReadToken), own.RunId, StatusCode.PermissionDenied);

        // A token of another project may open runs in its own project, never write to ours.
        var foreign = await WriteStatusAsync(client, Bearer(otherWrite), own.RunId);
        output.WriteLine($"ingest, other project's token writing our run: {foreign.StatusCode} {foreign.Detail}");
        Assert.Equal(StatusCode.PermissionDenied, foreign.StatusCode);
        var expect = await Assert.ThrowsAsync<RpcException>(() => client.OpenRunAsync(new OpenRunRequest { RunName = "tokens/x", WriterId = "w", ExpectedProject = project }, Bearer(otherWrite)).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, expect.StatusCode);
        Assert.Equal(before, await PointsAsync());

        // Query: 401 without a valid token; another project's data is not found (its existence is not revealed).
        using var http = new HttpClient { BaseAddress = services.QueryUrl };
        var paths = new[] { $"/api/v1/projects/{project}/runs", $"/api/v1/runs/{own.RunId}", $"/api/v1/runs/{own.RunId}/tags", $"/api/v1/projects/{project}/hparams" };
        foreach (var (name, token) in unauthenticated.Append(("read scope of another project", otherWrite)))
        {
            foreach (var path in paths)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
                request.Headers.Authorization = token.Length > 0 ? new AuthenticationHeaderValue("Bearer", token) : null;
                using var response = await http.SendAsync(request);
                output.WriteLine($"query {name} GET {path}: {(int)response.StatusCode}");
                var status = (int)response.StatusCode;
                if (name.StartsWith("read scope of another", StringComparison.Ordinal))
                {
                    Assert.True(status is 403 or 404, $"{name} {path}: {status}");
                }
                else
                {
                    Assert.True(status == 401, $"{name} {path}: {status}");
                }

                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        using (var response = await http.GetAsync(new Uri(paths[0], UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await fixture.AssertAllServingAsync();
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    private async Task AssertIngestRefusedAsync(IngestClient client, string name, Metadata headers, long runId, StatusCode expected)
    {
        var open = await Assert.ThrowsAsync<RpcException>(() => client.OpenRunAsync(new OpenRunRequest { RunName = "tokens/" + name.Replace(' ', '-'), WriterId = "w" }, headers).ResponseAsync);
        var write = await WriteStatusAsync(client, headers, runId);
        output.WriteLine($"ingest {name}: OpenRun {open.StatusCode}, Write {write.StatusCode}");
        Assert.True(open.StatusCode == expected, $"{name} OpenRun: {open.Status}");
        Assert.True(write.StatusCode == expected, $"{name} Write: {write}");
    }

    private static Task<Status> WriteStatusAsync(IngestClient client, Metadata headers, long runId) =>
        WriteCalls.RefusedStatusAsync(client, headers,
            new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = "intruder" } },
            new WriteRequest { Batch = Metrics.Bench.Soak.LoadSeries.For(0, 1, 5, "tokens").Batch(1) });

    private async Task<long> PointsAsync()
    {
        await using var command = fixture.Services.DataSource.CreateCommand("SELECT COALESCE(sum(point_count), 0) FROM all_scalar_chunks");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
