using Grpc.Core;
using Metrics.Query.TensorBoard;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Metrics.Query.Tests.TensorBoard;

public sealed class DatabaseFaultInterceptorTests
{
    private readonly DatabaseFaultInterceptor _interceptor = new(NullLogger<DatabaseFaultInterceptor>.Instance);

    [Fact]
    public async Task UnaryServerHandler_DatabaseUnreachable_Unavailable()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("", new Context(), (_, _) => throw new NpgsqlException("connection refused")));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }

    [Fact]
    public async Task ServerStreamingServerHandler_QueryTimedOut_DeadlineExceeded()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.ServerStreamingServerHandler<string, string>("", null!, new Context(), (_, _, _) => throw new NpgsqlException("timeout", new TimeoutException())));
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
    }

    [Fact]
    public async Task UnaryServerHandler_RpcException_PassesThrough()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _interceptor.UnaryServerHandler<string, string>("", new Context(), (_, _) => throw new RpcException(new Status(StatusCode.NotFound, "x"))));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private sealed class Context : ServerCallContext
    {
        protected override string MethodCore => "/tensorboard.data.TensorBoardDataProvider/ListRuns";

        protected override string HostCore => "localhost";

        protected override string PeerCore => "ipv4:127.0.0.1:1";

        protected override DateTime DeadlineCore => DateTime.MaxValue;

        protected override Metadata RequestHeadersCore { get; } = [];

        protected override CancellationToken CancellationTokenCore => CancellationToken.None;

        protected override Metadata ResponseTrailersCore { get; } = [];

        protected override Status StatusCore { get; set; }

        protected override WriteOptions? WriteOptionsCore { get; set; }

        protected override AuthContext AuthContextCore { get; } = new(null, []);

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
