using Google.Protobuf;
using Grpc.Core;
using Metrics.Contracts.V1;
using static Metrics.Testing.StoredData;

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

    public static TheoryData<string> GarbageRequests => new()
    {
        // Field 1 (run_name) claiming a 2 GB string.
        "0a ff ff ff ff 0f",
        // A truncated varint (restart_at_step).
        "28 ff ff",
        // Wire type 7 does not exist.
        "0f",
        // An end-group tag with no group open.
        "0c",
    };

    [Theory]
    [MemberData(nameof(GarbageRequests))]
    public async Task OpenRun_GarbageBytes_InvalidArgumentAndAcceptedDataUntouched(string hex)
    {
        var run = (await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = "garbage-open/" + hex.Replace(" ", "", StringComparison.Ordinal), WriterId = "w" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        using (var writer = await TestWriter.OpenAsync(fx.Server.Client, fx.WriteToken, run, "w"))
        {
            await writer.SendAsync(Batches.Scalar(1, "loss", 1, 2, 3));
            Assert.Equal([1UL], await writer.CompleteAsync());
        }

        var method = new Method<byte[], byte[]>(MethodType.Unary, "metrics.v1.Ingest", "OpenRun", Raw, Raw);
        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(IngestServer.Bearer(fx.WriteToken)), Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal))).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains("could not be parsed as a metrics.v1.OpenRunRequest", e.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([(1L, 0.5), (2L, 1.0), (3L, 1.5)], await ReadScalarsAsync(fx.DataSource, run, "loss"));
        Assert.Equal(1L, await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1", run));
        var reopened = await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = "garbage-open/" + hex.Replace(" ", "", StringComparison.Ordinal), WriterId = "w" }, IngestServer.Bearer(fx.WriteToken));
        Assert.Equal((run, 1UL), (reopened.RunId, reopened.LastCommittedSeq));
    }

    [Fact]
    public async Task OpenRun_GarbageWithoutToken_InvalidArgument()
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, "metrics.v1.Ingest", "OpenRun", Raw, Raw);

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            fx.Server.Channel.CreateCallInvoker().AsyncUnaryCall(method, null, new CallOptions(), [0x0f]).ResponseAsync);

        // Parsing happens before the token is checked, so garbage from anyone is InvalidArgument.
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public async Task Write_GarbageAfterAcceptedBatch_InvalidArgumentAndAcceptedBatchKept()
    {
        var run = (await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = "garbage-write", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "metrics.v1.Ingest", "Write", Raw, Raw);
        using var call = fx.Server.Channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions(IngestServer.Bearer(fx.WriteToken)));
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = run, WriterId = "w" } }.ToByteArray());
        await call.RequestStream.WriteAsync(new WriteRequest { Batch = Batches.Scalar(1, "loss", 7) }.ToByteArray());
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None)); // Resume
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(1UL, WriteResponse.Parser.ParseFrom(call.ResponseStream.Current).Ack.Seq);

        await call.RequestStream.WriteAsync([0x12, 0xff, 0xff, 0xff, 0xff, 0x07, 0x01, 0x02]);
        var status = await StatusAfterDrainAsync(call.ResponseStream, call.GetStatus);

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Equal([(7L, 3.5)], await ReadScalarsAsync(fx.DataSource, run, "loss"));
        Assert.Equal(1L, await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1", run));
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

    private static async Task<Status> StatusAfterDrainAsync(IAsyncStreamReader<byte[]> responses, Func<Status> status)
    {
        try
        {
            while (await responses.MoveNext(CancellationToken.None))
            {
            }

            return status();
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }

    private async Task AssertServingAsync()
    {
        var response = await fx.Server.Client.OpenRunAsync(new OpenRunRequest { RunName = "still-alive", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken));
        Assert.True(response.RunId > 0);
    }
}
