using Google.Protobuf;
using Grpc.Core;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.V1;
using static Metrics.Testing.StoredData;
using DataClass = Metrics.Contracts.V1.DataClass;

namespace Metrics.Ingest.Tests.Grpc;

/// <summary>One case per validation rule: InvalidArgument naming the field, nothing of the batch written.</summary>
public sealed class ValidationTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    private Metrics.Contracts.V1.Ingest.IngestClient Client => fx.Server.Client;

    public static TheoryData<string, string> BadBatches => new()
    {
        { "seq-zero", "batch.seq" },
        { "seq-skips", "batch.seq" },
        { "too-many-points", "batch" },
        { "empty-tag", "batch.scalars[0].tag" },
        { "long-tag", "batch.scalars[0].tag" },
        { "control-tag", "batch.scalars[0].tag" },
        { "invalid-utf8-tag", "batch.metadata[0].tag" },
        { "unequal-wall-times", "batch.scalars[0].wall_times" },
        { "unequal-values", "batch.scalars[0].values" },
        { "unknown-data-class", "batch.metadata[0].data_class" },
        { "class-differs-in-batch", "batch.tensors[0].tag" },
        { "class-differs-from-series", "batch.metadata[0].data_class" },
        { "points-without-series", "batch.scalars[0].tag" },
        { "tensor-missing", "batch.tensors[0].tensor" },
        { "dtype-invalid", "batch.tensors[0].tensor.dtype" },
        { "tensor-content-length", "batch.tensors[0].tensor.tensor_content" },
        { "tensor-too-many-values", "batch.tensors[0].tensor.float_val" },
        { "tensor-wrong-value-field", "batch.tensors[0].tensor.double_val" },
        { "tensor-negative-dim", "batch.tensors[0].tensor.tensor_shape.dim[1].size" },
        { "tensor-absurd-shape", "batch.tensors[0].tensor.tensor_shape" },
        { "blob-too-big", "batch.blobs[0].blobs[0].data" },
        { "blob-empty-ref", "batch.blobs[0].blobs[0]" },
        { "blob-bad-sha", "batch.blobs[0].blobs[0].chunked.sha256" },
        { "blob-chunked-too-big", "batch.blobs[0].blobs[0].chunked.size" },
        { "blob-chunks-missing", "batch.blobs[0].blobs[0].chunked" },
        { "chunk-negative-offset", "batch.blob_chunks[0].offset" },
        { "second-header", "header" },
    };

    private static Batch Build(string rule)
    {
        var tensorMeta = new SeriesMetadata { Tag = "t", PluginName = "histograms", DataClass = DataClass.Tensor };
        var blobMeta = new SeriesMetadata { Tag = "b", PluginName = "images", DataClass = DataClass.BlobSequence };
        Batch WithTensor(TensorProto? tensor) => new() { Seq = 1, Metadata = { tensorMeta }, Tensors = { new TensorPoint { Tag = "t", Step = 1, Tensor = tensor } } };
        Batch WithBlob(BlobRef blob) => new() { Seq = 1, Metadata = { blobMeta }, Blobs = { new BlobPoint { Tag = "b", Step = 1, Blobs = { blob } } } };
        TensorProto Floats(params long[] dims)
        {
            var shape = new TensorShapeProto();
            foreach (var d in dims)
            {
                shape.Dim.Add(new TensorShapeProto.Types.Dim { Size = d });
            }

            return new TensorProto { Dtype = DataType.DtFloat, TensorShape = shape };
        }

        switch (rule)
        {
            case "seq-zero":
                return Batches.Scalar(0, "x", 1);
            case "seq-skips":
                return Batches.Scalar(2, "x", 1);
            case "too-many-points":
                return Batches.Scalar(1, "x", [.. Enumerable.Range(0, 10_001).Select(i => (long)i)]);
            case "empty-tag":
                return new Batch { Seq = 1, Scalars = { Batches.Scalars("", 1) } };
            case "long-tag":
                return new Batch { Seq = 1, Scalars = { Batches.Scalars(new string('a', 1025), 1) } };
            case "control-tag":
                return new Batch { Seq = 1, Scalars = { Batches.Scalars("a\u0001b", 1) } };
            case "invalid-utf8-tag":
                // A lone surrogate cannot be encoded as UTF-8: on the wire it becomes U+FFFD.
                return Batches.Scalar(1, "loss\uD800", 1);
            case "unequal-wall-times":
                return new Batch { Seq = 1, Metadata = { Batches.ScalarMeta("x") }, Scalars = { new ScalarSeries { Tag = "x", Steps = { 1, 2 }, WallTimes = { 1 }, Values = { 1, 2 } } } };
            case "unequal-values":
                return new Batch { Seq = 1, Metadata = { Batches.ScalarMeta("x") }, Scalars = { new ScalarSeries { Tag = "x", Steps = { 1, 2 }, WallTimes = { 1, 2 }, Values = { 1 } } } };
            case "unknown-data-class":
                return new Batch { Seq = 1, Metadata = { new SeriesMetadata { Tag = "x", PluginName = "scalars" } } };
            case "class-differs-in-batch":
                return new Batch { Seq = 1, Metadata = { Batches.ScalarMeta("t") }, Tensors = { new TensorPoint { Tag = "t", Step = 1, Tensor = Batches.Histogram(1) } } };
            case "class-differs-from-series":
                return new Batch { Seq = 2, Metadata = { new SeriesMetadata { Tag = "existing", PluginName = "histograms", DataClass = DataClass.Tensor } }, Tensors = { new TensorPoint { Tag = "existing", Step = 1, Tensor = Batches.Histogram(1) } } };
            case "points-without-series":
                return new Batch { Seq = 1, Scalars = { Batches.Scalars("undeclared", 1) } };
            case "tensor-missing":
                return WithTensor(null);
            case "dtype-invalid":
                return WithTensor(new TensorProto { Dtype = DataType.DtInvalid });
            case "tensor-content-length":
                var t1 = Floats(2, 2);
                t1.TensorContent = ByteString.CopyFrom(new byte[15]);
                return WithTensor(t1);
            case "tensor-too-many-values":
                var t2 = Floats(2);
                t2.FloatVal.Add([1f, 2f, 3f]);
                return WithTensor(t2);
            case "tensor-wrong-value-field":
                var t3 = Floats(2);
                t3.DoubleVal.Add(1);
                return WithTensor(t3);
            case "tensor-negative-dim":
                return WithTensor(Floats(2, -1));
            case "tensor-absurd-shape":
                return WithTensor(Floats(1L << 40, 1L << 40));
            case "blob-too-big":
                return WithBlob(new BlobRef { Data = ByteString.CopyFrom(new byte[65_537]) });
            case "blob-empty-ref":
                return WithBlob(new BlobRef());
            case "blob-bad-sha":
                return WithBlob(new BlobRef { Chunked = new ChunkedBlob { Sha256 = ByteString.CopyFrom(new byte[5]), Size = 10 } });
            case "blob-chunked-too-big":
                return WithBlob(new BlobRef { Chunked = new ChunkedBlob { Sha256 = ByteString.CopyFrom(new byte[32]), Size = 1L << 40 } });
            case "blob-chunks-missing":
                return WithBlob(new BlobRef { Chunked = new ChunkedBlob { Sha256 = ByteString.CopyFrom(new byte[32]), Size = 10 } });
            case "chunk-negative-offset":
                return new Batch { Seq = 1, BlobChunks = { new BlobChunk { Sha256 = ByteString.CopyFrom(new byte[32]), Offset = -1, Data = ByteString.CopyFromUtf8("x") } } };
            default:
                throw new ArgumentException(rule);
        }
    }

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task Write_BadBatch_InvalidArgumentNamingFieldAndNothingWritten(string rule, string field)
    {
        var run = (await Client.OpenRunAsync(new OpenRunRequest { RunName = "validation/" + rule, WriterId = "w" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        var seqBefore = 0L;
        if (rule == "class-differs-from-series")
        {
            using var setup = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w");
            await setup.SendAsync(Batches.Scalar(1, "existing", 1));
            await setup.CompleteAsync();
            seqBefore = 1;
        }

        var seriesBefore = await ScalarAsync(fx.DataSource, "SELECT count(*) FROM series WHERE run_id = $1", run);
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w");
        if (rule == "second-header")
        {
            await writer.SendAsync(Batches.Scalar(1, "x", 1));
            await writer.SendHeaderAgainAsync(run, "w");
        }
        else
        {
            await writer.SendAsync(Build(rule));
        }

        var (acks, status) = await writer.DrainAsync();

        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.StartsWith(field + ":", status.Detail, StringComparison.Ordinal);
        if (rule != "second-header")
        {
            Assert.Empty(acks);
            Assert.Equal(seqBefore, await ScalarAsync(fx.DataSource, "SELECT last_seq FROM writers WHERE run_id = $1 AND writer_id = 'w'", run));
            Assert.Equal(seriesBefore, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM series WHERE run_id = $1", run));
            Assert.Equal(0L, await ScalarAsync(fx.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1", run));
        }
    }

    [Theory]
    [InlineData("", "run_name")]
    [InlineData("../escape", "run_name")]
    [InlineData("/absolute", "run_name")]
    [InlineData("a\\b", "run_name")]
    [InlineData("a//b", "run_name")]
    [InlineData("nul\0", "run_name")]
    public async Task OpenRun_BadRunName_InvalidArgument(string name, string field)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.OpenRunAsync(new OpenRunRequest { RunName = name, WriterId = "w" }, IngestServer.Bearer(fx.WriteToken)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith(field + ":", e.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("tab\there")]
    [InlineData("x201")]
    public async Task OpenRun_BadWriterId_InvalidArgument(string writerId)
    {
        var id = writerId == "x201" ? new string('x', 201) : writerId;

        var e = await Assert.ThrowsAsync<RpcException>(() => Client.OpenRunAsync(new OpenRunRequest { RunName = "ok", WriterId = id }, IngestServer.Bearer(fx.WriteToken)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("writer_id:", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRun_HParamWithoutValue_InvalidArgument()
    {
        var request = new OpenRunRequest { RunName = "hp", WriterId = "w", Hparams = { ["lr"] = new HParamValue() } };

        var e = await Assert.ThrowsAsync<RpcException>(() => Client.OpenRunAsync(request, IngestServer.Bearer(fx.WriteToken)).ResponseAsync);

        Assert.StartsWith("hparams[\"lr\"]:", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_FirstRequestNotHeader_InvalidArgument()
    {
        using var call = Client.Write(IngestServer.Bearer(fx.WriteToken));
        await call.RequestStream.WriteAsync(new WriteRequest { Batch = Batches.Scalar(1, "x", 1) });

        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.StartsWith("header:", e.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Write_NonFiniteValues_Accepted()
    {
        var run = (await Client.OpenRunAsync(new OpenRunRequest { RunName = "nonfinite", WriterId = "w" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        using var writer = await TestWriter.OpenAsync(Client, fx.WriteToken, run, "w");
        await writer.SendAsync(new Batch { Seq = 1, Metadata = { Batches.ScalarMeta("x") }, Scalars = { new ScalarSeries { Tag = "x", Steps = { 1, 2, 3 }, WallTimes = { 1, 2, 3 }, Values = { double.NaN, double.PositiveInfinity, double.NegativeInfinity } } } });

        Assert.Equal([1UL], await writer.CompleteAsync());
        var values = (await ReadScalarsAsync(fx.DataSource, run, "x")).Select(p => p.Value).ToList();
        Assert.True(double.IsNaN(values[0]));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], values[1..]);
    }
}
