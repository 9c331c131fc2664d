using Grpc.Core;
using Metrics.Contracts.V1;

namespace Metrics.Ingest.Tests.Grpc;

/// <summary>Garbage on the wire gets an error status; the service keeps serving.</summary>
public sealed class MalformedInputTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    public static TheoryData<string> Garbage => new()
    {
        "ff ff ff ff ff ff ff ff ff ff",
        // Field 2 (batch), length-delimited, claiming a 2 GB body.
        "12 ff ff ff ff 07 01 02",
        // A batch whose metadata claims 1 GB.
        "12 06 12 ff ff ff ff 03",
        // A header with a truncated varint run_id.
        "0a 03 08 ff ff",
        // A packed steps field whose length overruns the message.
        "12 08 1a 06 0a 01 61 12 7f 01",
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Write_GarbageBytes_ErrorStatusAndServiceStillServes(string hex)
    {
        var bytes = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "metrics.v1.Ingest", "Write", Raw, Raw);
        var header = new WriteRequest { Header = new WriteHeader { RunId = 1, WriterId = "w" } };
        await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = "garbage", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken));

        using var call = fx.Server.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions(IngestServer.Bearer(fx.WriteToken)));
        await call.RequestStream.WriteAsync(Google.Protobuf.MessageExtensions.ToByteArray(header));
        await call.RequestStream.WriteAsync(bytes);
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }

            throw new RpcException(call.GetStatus());
        });

        Assert.NotEqual(StatusCode.OK, e.StatusCode);
        await AssertServingAsync();
    }

    [Fact]
    public async Task OpenRun_GarbageBytes_ErrorStatusAndServiceStillServes()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "metrics.v1.Ingest", "OpenRun", Raw, Raw);

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(IngestServer.Bearer(fx.WriteToken)), [0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]).ResponseAsync);

        Assert.NotEqual(StatusCode.OK, e.StatusCode);
        await AssertServingAsync();
    }

    [Fact]
    public async Task Write_MessageOverSizeLimit_ResourceExhausted()
    {
        await using var server = await IngestServer.StartAsync(fx.Url, new Dictionary<string, string?> { ["INGEST_MAX_MESSAGE_BYTES"] = "4096" });
        var run = (await server.Client.OpenRunAsync(new OpenRunRequest { RunName = "big-message", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        using var writer = await TestWriter.OpenAsync(server.Client, fx.WriteToken, run, "w");

        try
        {
            await writer.SendAsync(Batches.Scalar(1, "x", [.. Enumerable.Range(0, 1000).Select(i => (long)i)]));
        }
        catch (RpcException)
        {
            // The server may end the call while the message is still being sent; its status is read below.
        }

        var (_, status) = await writer.DrainAsync();

        Assert.Equal(StatusCode.ResourceExhausted, status.StatusCode);
    }

    private async Task AssertServingAsync()
    {
        var response = await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = "still-alive", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken));
        Assert.True(response.RunId > 0);
    }
}
