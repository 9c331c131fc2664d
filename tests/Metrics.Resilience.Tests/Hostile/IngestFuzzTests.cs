using Google.Protobuf;
using Grpc.Core;
using Metrics.Bench.Soak;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.V1;
using Metrics.Resilience.Tests.Support;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>
/// Hostile bytes on the ingest stream: random and mutated protobuf as raw gRPC frames, lying frame
/// lengths, deep nesting, oversized fields, wrong dtypes and shapes. The service must answer every
/// call with a gRPC status, never crash, and keep committing good batches.
/// </summary>
[Collection(HostileGroup.Name)]
public sealed class IngestFuzzTests(HostileFixture fixture, ITestOutputHelper output)
{
    private const int Seed = 20_240_611;

    [Fact]
    public async Task Write_RandomAndMutatedFrames_EveryCallGetsAStatusAndServiceKeepsServing()
    {
        var services = fixture.Services;
        var runId = await OpenRunAsync("fuzz/raw", "fuzz-open");
        using var raw = new RawGrpc(services.IngestGrpcPorts[0], services.WriteToken);
        var random = new Random(Seed);
        var valid = LoadSeries.For(0, 1, 20, "fuzz").Batch(1);
        var statuses = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var calls = 0;
        async Task CallAsync(string method, byte[] body)
        {
            var (http, status, message) = await raw.CallAsync(method, body);
            Assert.True(status is not null, $"call {calls}: HTTP {(int)http} without a grpc-status");
            // Bytes that are not a message get gRPC's INTERNAL "cannot deserialize" (as in every gRPC
            // implementation); a message that parses must get a precise status from the service.
            // Write reads its messages itself: undecodable ones must be InvalidArgument, never an unhandled exception.
            if ((status == "13" && Parses(method, body)) || (status == "2" && method == "Write"))
            {
                Assert.Fail($"call {calls}: status {status} ({message}) for {method}; message parses: {Parses(method, body)}");
            }

            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            calls++;
        }

        byte[] Header(int i) => RawGrpc.Frame(new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = "fuzz-" + i } }.ToByteArray());

        for (var i = 0; i < 200; i++)
        {
            // Random bytes as the first message, and after a good header.
            var garbage = new byte[random.Next(0, 2048)];
            random.NextBytes(garbage);
            await CallAsync("Write", i % 2 == 0 ? RawGrpc.Frame(garbage) : [.. Header(i), .. RawGrpc.Frame(garbage)]);
        }

        var batchBytes = new WriteRequest { Batch = valid }.ToByteArray();
        for (var i = 0; i < 300; i++)
        {
            await CallAsync("Write", [.. Header(1000 + i), .. RawGrpc.Frame(Mutations.Mutate(batchBytes, random))]);
        }

        for (var i = 0; i < 100; i++)
        {
            var garbage = new byte[random.Next(0, 512)];
            random.NextBytes(garbage);
            await CallAsync("OpenRun", RawGrpc.Frame(i % 2 == 0 ? garbage : Mutations.Mutate(new OpenRunRequest { RunName = "fuzz/open", WriterId = "w" }.ToByteArray(), random)));
        }

        // A frame that claims more bytes than it carries, a compressed flag without an encoding,
        // 100 000 nested groups, and a 20 MiB message (over the 16 MiB limit).
        await CallAsync("Write", [.. Header(2000), .. RawGrpc.Frame([1, 2, 3], claimedLength: 100_000_000)]);
        await CallAsync("Write", [.. Header(2001), .. RawGrpc.Frame(batchBytes, compressed: true)]);
        await CallAsync("Write", [.. Header(2002), .. RawGrpc.Frame(DeepGroups(100_000))]);
        await CallAsync("Write", [.. Header(2003), .. RawGrpc.Frame(new byte[20 << 20])]);
        await CallAsync("OpenRun", RawGrpc.Frame(DeepGroups(100_000)));

        output.WriteLine($"ingest fuzz: {calls} calls, service alive; statuses {string.Join(", ", statuses.Select(kv => ((StatusCode)int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture)) + "=" + kv.Value))}");
        await fixture.AssertAllServingAsync();
        await AssertGoodWriteCommitsAsync("fuzz/after-raw");
    }

    [Fact]
    public async Task Write_WrongDtypesShapesAndOversizedFields_InvalidArgumentOrResourceExhaustedAndNothingStored()
    {
        var runId = await OpenRunAsync("fuzz/typed", "typed-open");
        var tensorMeta = new SeriesMetadata { Tag = "t", PluginName = "histograms", DataClass = Contracts.V1.DataClass.Tensor };
        static TensorProto Tensor(DataType dtype, long[] shape, int contentBytes = 0)
        {
            var tensor = new TensorProto { Dtype = dtype, TensorShape = new TensorShapeProto(), TensorContent = ByteString.CopyFrom(new byte[contentBytes]) };
            tensor.TensorShape.Dim.AddRange(shape.Select(s => new TensorShapeProto.Types.Dim { Size = s }));
            return tensor;
        }

        Batch TensorBatch(TensorProto tensor)
        {
            var batch = new Batch { Seq = 1 };
            batch.Metadata.Add(tensorMeta);
            batch.Tensors.Add(new TensorPoint { Tag = "t", Step = 1, WallTime = 1, Tensor = tensor });
            return batch;
        }

        var scalarsMismatch = new Batch { Seq = 1 };
        scalarsMismatch.Metadata.Add(new SeriesMetadata { Tag = "s", PluginName = "scalars", DataClass = Contracts.V1.DataClass.Scalar });
        scalarsMismatch.Scalars.Add(new ScalarSeries { Tag = "s", Steps = { 1, 2, 3 }, WallTimes = { 1, 2, 3 }, Values = { 1, 2 } });
        var hugeTag = LoadSeries.For(0, 1, 1, "fuzz").Batch(1);
        hugeTag.Metadata[0].Tag = hugeTag.Scalars[0].Tag = new string('x', 1 << 20);
        var wrongClass = LoadSeries.For(0, 1, 1, "fuzz").Batch(1);
        wrongClass.Metadata[0].DataClass = Contracts.V1.DataClass.Tensor;
        var noClass = LoadSeries.For(0, 1, 1, "fuzz").Batch(1);
        noClass.Metadata[0].DataClass = Contracts.V1.DataClass.Unknown;
        var controlTag = LoadSeries.For(0, 1, 1, "fuzz").Batch(1);
        controlTag.Metadata[0].Tag = controlTag.Scalars[0].Tag = "a\u0000b\u001b[31m";
        var badBlob = new Batch { Seq = 1 };
        badBlob.Metadata.Add(new SeriesMetadata { Tag = "img", PluginName = "images", DataClass = Contracts.V1.DataClass.BlobSequence });
        badBlob.Blobs.Add(new BlobPoint { Tag = "img", Step = 1, WallTime = 1, Blobs = { new BlobRef { Chunked = new ChunkedBlob { Sha256 = ByteString.CopyFrom(new byte[5]), Size = -1 } } } });
        var skipAhead = LoadSeries.For(0, 1, 1, "fuzz").Batch(7);

        var cases = new (string Name, Batch Batch, StatusCode Expected)[]
        {
            ("tensor_content shorter than the shape", TensorBatch(Tensor(DataType.DtFloat, [1000], 3)), StatusCode.InvalidArgument),
            ("negative dimension", TensorBatch(Tensor(DataType.DtDouble, [-5, 3])), StatusCode.InvalidArgument),
            ("shape overflowing int64", TensorBatch(Tensor(DataType.DtDouble, [1L << 62, 1L << 62, 3])), StatusCode.InvalidArgument),
            ("65 dimensions", TensorBatch(Tensor(DataType.DtFloat, [.. Enumerable.Repeat(1L, 65)])), StatusCode.InvalidArgument),
            ("undefined dtype", TensorBatch(Tensor((DataType)12345, [1], 4)), StatusCode.InvalidArgument),
            ("DT_STRING in tensor_content", TensorBatch(Tensor(DataType.DtString, [1], 8)), StatusCode.InvalidArgument),
            ("float values in a double tensor", TensorBatch(new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto(), FloatVal = { 1f } }), StatusCode.InvalidArgument),
            ("3 steps, 2 values", scalarsMismatch, StatusCode.InvalidArgument),
            ("1 MiB tag", hugeTag, StatusCode.InvalidArgument),
            ("scalars under a tensor tag", wrongClass, StatusCode.InvalidArgument),
            ("no data class", noClass, StatusCode.InvalidArgument),
            ("NUL and escape in a tag", controlTag, StatusCode.InvalidArgument),
            ("chunked blob with a 5-byte SHA-256", badBlob, StatusCode.InvalidArgument),
            ("seq skipping ahead", skipAhead, StatusCode.InvalidArgument),
        };

        var client = new IngestClient(fixture.Services.Channel(0));
        var headers = new Metadata { { "authorization", "Bearer " + fixture.Services.WriteToken } };
        for (var i = 0; i < cases.Length; i++)
        {
            var (name, batch, expected) = cases[i];
            var status = await WriteCalls.RefusedStatusAsync(client, headers,
                new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = "typed-" + i } }, new WriteRequest { Batch = batch });
            output.WriteLine($"{name}: {status.StatusCode} {status.Detail}");
            Assert.True(expected == status.StatusCode, $"{name}: {status}");
        }

        // A 17 MiB message: over METRICS_INGEST_MAX_MESSAGE_BYTES.
        var oversized = LoadSeries.For(0, 1, 1, "fuzz").Batch(1);
        oversized.Blobs.Add(new BlobPoint { Tag = "img", Step = 1, WallTime = 1, Blobs = { new BlobRef { Data = ByteString.CopyFrom(new byte[17 << 20]) } } });
        var big = await WriteCalls.RefusedStatusAsync(client, headers,
            new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = "typed-big" } }, new WriteRequest { Batch = oversized });
        output.WriteLine($"17 MiB message: {big.StatusCode} {big.Detail}");
        Assert.Equal(StatusCode.ResourceExhausted, big.StatusCode);

        await using var stored = fixture.Services.DataSource.CreateCommand(
            "SELECT count(*) FROM series s JOIN runs r USING (run_id) WHERE r.name = 'fuzz/typed'");
        Assert.Equal(0L, (long)(await stored.ExecuteScalarAsync())!);
        await fixture.AssertAllServingAsync();
        await AssertGoodWriteCommitsAsync("fuzz/after-typed");
    }

    private async Task<long> OpenRunAsync(string run, string writer)
    {
        var client = new IngestClient(fixture.Services.Channel(0));
        var opened = await client.OpenRunAsync(new OpenRunRequest { RunName = run, WriterId = writer }, new Metadata { { "authorization", "Bearer " + fixture.Services.WriteToken } });
        return opened.RunId;
    }

    /// <summary>A well-behaved writer still gets its batches committed and acknowledged, each point once.</summary>
    private async Task AssertGoodWriteCommitsAsync(string prefix)
    {
        var series = LoadSeries.For(0, 1, 100, prefix);
        var writer = new LoadWriter(series, new IngestClient(fixture.Services.Channel(0)), fixture.Services.WriteToken, new LatencyRecorder(), maxBatches: 5);
        using var abort = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await writer.RunAsync(CancellationToken.None, abort.Token);
        Assert.Null(writer.Fault);
        Assert.True(writer.LastAcked == 5, $"acked {writer.LastAcked} of {writer.LastGenerated}");
        var audit = await PointAudit.DatabaseAsync(fixture.Services.DataSource, fixture.Services.Options.Project, [(series, writer.LastAcked)], CancellationToken.None);
        Assert.True(audit.Acknowledged == audit.Found && audit.Lost == 0, audit.ToString());
    }

    /// <summary>Whether every frame of <paramref name="body"/> parses as the method's request message.</summary>
    private static bool Parses(string method, byte[] body)
    {
        for (var at = 0; at + 5 <= body.Length;)
        {
            var length = (int)Math.Min(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1)), int.MaxValue);
            if (body[at] != 0 || at + 5 + (long)length > body.Length)
            {
                return false;
            }

            try
            {
                var message = body.AsSpan(at + 5, length);
                _ = method == "OpenRun" ? (IMessage)OpenRunRequest.Parser.ParseFrom(message) : WriteRequest.Parser.ParseFrom(message);
            }
            catch (InvalidProtocolBufferException)
            {
                return false;
            }

            at += 5 + length;
        }

        return true;
    }

    /// <summary>Field 15 as a start-group tag, <paramref name="depth"/> times, then as many end-group tags.</summary>
    private static byte[] DeepGroups(int depth) => [.. Enumerable.Repeat((byte)((15 << 3) | 3), depth), .. Enumerable.Repeat((byte)((15 << 3) | 4), depth)];
}
