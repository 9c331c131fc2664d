using System.Security.Cryptography;
using Google.Protobuf;
using Metrics.Contracts.V1;
using Metrics.Testing;
using Microsoft.Extensions.Options;
using static Metrics.Testing.StoredData;

namespace Metrics.Ingest.Tests.Writing;

public sealed class OrphanChunkCleanupTests(IngestFixture fx) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task ExecuteAsync_AbandonedUploadOverAge_ChunksDeletedFreshUploadKept()
    {
        await using var server = await IngestServer.StartAsync(fx.Url, new Dictionary<string, string?> { ["INGEST_CHUNK_CLEANUP_INTERVAL_SECONDS"] = "1" });
        var run = (await server.Client.OpenRunAsync(new OpenRunRequest { RunName = "abandoned", WriterId = "gone" }, IngestServer.Bearer(fx.WriteToken))).RunId;
        await server.Client.OpenRunAsync(new OpenRunRequest { RunName = "abandoned", WriterId = "uploading" }, IngestServer.Bearer(fx.WriteToken));
        await SendChunkAsync(server, run, "gone", 1);
        await SendChunkAsync(server, run, "uploading", 2);
        await ScalarAsync(fx.DataSource, "WITH u AS (UPDATE writers SET last_write_at = now() - interval '8 days' WHERE run_id = $1 AND writer_id = 'gone' RETURNING 1) SELECT count(*) FROM u", run);

        // Both writers' chunks are judged in the same statement, so once the old ones are gone the pass has run.
        await Eventually.TrueAsync(async () => await ChunksAsync(run, "gone") == 0, TimeSpan.FromSeconds(60), () => "the cleanup pass to delete the abandoned upload's chunks");

        Assert.Equal(1L, await ChunksAsync(run, "uploading"));
    }

    [Theory]
    [InlineData("INGEST_ORPHAN_CHUNK_AGE_SECONDS", "60")]
    [InlineData("INGEST_CHUNK_CLEANUP_INTERVAL_SECONDS", "-1")]
    public async Task StartAsync_CleanupSettingOutOfRange_FailsNamingIt(string key, string value)
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => IngestServer.StartAsync(fx.Url, new Dictionary<string, string?> { [key] = value }));

        Assert.Contains("METRICS_" + key, e.Message, StringComparison.Ordinal);
    }

    private async Task SendChunkAsync(IngestServer server, long run, string writerId, int seed)
    {
        var content = Enumerable.Range(0, 1000).Select(i => (byte)(i * seed)).ToArray();
        using var writer = await TestWriter.OpenAsync(server.Client, fx.WriteToken, run, writerId);
        await writer.SendAsync(new Batch { Seq = 1, BlobChunks = { new BlobChunk { Sha256 = ByteString.CopyFrom(SHA256.HashData(content)), Offset = 0, Data = ByteString.CopyFrom(content, 0, 600) } } });
        Assert.Equal([1UL], await writer.CompleteAsync());
    }

    private Task<long> ChunksAsync(long run, string writer) =>
        ScalarAsync(fx.DataSource, "SELECT count(*) FROM blob_chunks WHERE run_id = $1 AND writer_id = $2", run, writer);
}
