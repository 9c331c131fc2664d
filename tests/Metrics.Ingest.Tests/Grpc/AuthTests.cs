using Grpc.Core;
using Metrics.Contracts.V1;
using static Metrics.Testing.StoredData;

namespace Metrics.Ingest.Tests.Grpc;

public sealed class AuthTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    private Metrics.Contracts.V1.Ingest.IngestClient Client => fx.Server.Client;

    private Task<long> RunCountAsync() => ScalarAsync(fx.DataSource, "SELECT count(*) FROM runs");

    public static TheoryData<string?, StatusCode> BadTokens => new()
    {
        { null, StatusCode.Unauthenticated },
        { "mt_not-a-real-token", StatusCode.Unauthenticated },
        { "read", StatusCode.PermissionDenied },
    };

    private string? Resolve(string? token) => token == "read" ? fx.ReadToken : token;

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task OpenRun_BadToken_RightStatusAndNothingWritten(string? token, StatusCode expected)
    {
        var runs = await RunCountAsync();
        var headers = Resolve(token) is { } t ? IngestServer.Bearer(t) : [];

        var e = await Assert.ThrowsAsync<RpcException>(() => Client.OpenRunAsync(new OpenRunRequest { RunName = "denied", WriterId = "w" }, headers).ResponseAsync);

        Assert.Equal(expected, e.StatusCode);
        Assert.Equal(runs, await RunCountAsync());
    }

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Write_BadToken_RightStatusAndNothingWritten(string? token, StatusCode expected)
    {
        var run = (await Client.OpenRunAsync(new OpenRunRequest { RunName = "auth-write-" + expected, WriterId = "owner" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        var headers = Resolve(token) is { } t ? IngestServer.Bearer(t) : [];

        // The status is read from the response: a batch written after the header would race the
        // server ending the call, and a write into an ended call surfaces as Cancelled instead.
        using var call = Client.Write(headers);
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = run, WriterId = "intruder" } });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(expected, e.StatusCode);
        Assert.Equal(0L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM series WHERE run_id = $1", run));
        Assert.Equal(0L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM writers WHERE run_id = $1 AND writer_id = 'intruder'", run));
    }

    [Fact]
    public async Task Write_RunOfAnotherProject_PermissionDeniedAndNothingWritten()
    {
        var run = (await Client.OpenRunAsync(new OpenRunRequest { RunName = "alpha-only", WriterId = "owner" }, IngestServer.Bearer(fx.WriteToken))).RunId;

        using var call = Client.Write(IngestServer.Bearer(fx.OtherProjectToken));
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = run, WriterId = "owner" } });
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(0L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM series WHERE run_id = $1", run));
        Assert.Equal(1L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM writers WHERE run_id = $1", run));
    }

    [Fact]
    public async Task OpenRun_SameNameInAnotherProject_IsAnotherRun()
    {
        var alpha = await Client.OpenRunAsync(new OpenRunRequest { RunName = "shared-name", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken));
        var beta = await Client.OpenRunAsync(new OpenRunRequest { RunName = "shared-name", WriterId = "w" }, IngestServer.Bearer(fx.OtherProjectToken));

        Assert.NotEqual(alpha.RunId, beta.RunId);
    }

    [Fact]
    public async Task Write_UnknownRun_NotFound()
    {
        using var call = Client.Write(IngestServer.Bearer(fx.WriteToken));
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = long.MaxValue, WriterId = "w" } });

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }
}
