using System.Security.Cryptography;
using Metrics.Storage.Writes.Internal;
using Npgsql;

namespace Metrics.Storage.Writes;

public sealed partial class PointWriter
{
    /// <summary>
    /// Finds the bytes of every blob the live batches reference: inline ones are at hand; chunked
    /// ones are assembled from the writer's chunks (stored by earlier batches, or in this commit),
    /// checked to tile [0, size) exactly and to hash to their SHA-256. A blob already stored
    /// (content addressed) needs nothing. A blob that cannot be assembled rejects its batch.
    /// </summary>
    private async Task ResolveBlobsAsync(NpgsqlConnection connection, CommitState state, CancellationToken cancellationToken)
    {
        var referenced = new HashSet<byte[]>(ByteArrayComparer.Instance);
        var chunked = new List<(WriterKey Writer, byte[] Sha256)>();
        foreach (var i in state.LiveIndexes())
        {
            var batch = state.Batches[i];
            foreach (var point in batch.Blobs)
            {
                foreach (var blob in point.Blobs)
                {
                    referenced.Add(blob.Sha256);
                    if (blob.IsChunked)
                    {
                        chunked.Add((new WriterKey(batch.RunId, batch.WriterId), blob.Sha256));
                    }
                }
            }
        }

        if (referenced.Count == 0)
        {
            return;
        }

        var stored = new HashSet<byte[]>(ByteArrayComparer.Instance);
        await using (var command = new NpgsqlCommand("SELECT sha256 FROM blobs WHERE sha256 = ANY($1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. referenced] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored.Add(reader.GetFieldValue<byte[]>(0));
            }
        }

        // Chunks already in the database, for the chunked blobs not stored yet.
        var pending = chunked.Where(c => !stored.Contains(c.Sha256)).Distinct(WriterShaComparer.Instance).ToList();
        var storedChunks = new Dictionary<(WriterKey, byte[]), SortedDictionary<long, byte[]>>(WriterShaComparer.Instance);
        if (pending.Count > 0)
        {
            await using var command = new NpgsqlCommand(
                """
                SELECT c.run_id, c.writer_id, c.sha256, c."offset", c.data
                FROM blob_chunks c
                JOIN unnest($1::bigint[], $2::text[], $3::bytea[]) AS k(run_id, writer_id, sha256)
                  ON c.run_id = k.run_id AND c.writer_id = k.writer_id AND c.sha256 = k.sha256
                """, connection);
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. pending.Select(p => p.Writer.RunId)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. pending.Select(p => p.Writer.WriterId)] });
            command.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. pending.Select(p => p.Sha256)] });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = (new WriterKey(reader.GetInt64(0), reader.GetString(1)), reader.GetFieldValue<byte[]>(2));
                if (!storedChunks.TryGetValue(key, out var parts))
                {
                    storedChunks[key] = parts = [];
                }

                parts[reader.GetInt64(3)] = reader.GetFieldValue<byte[]>(4);
            }
        }

        // Walk the batches in order: a batch may use chunks of earlier batches of its writer in this commit.
        var sentChunks = new Dictionary<(WriterKey, byte[]), SortedDictionary<long, byte[]>>(WriterShaComparer.Instance);
        foreach (var i in state.LiveIndexes().ToList())
        {
            var batch = state.Batches[i];
            var writer = new WriterKey(batch.RunId, batch.WriterId);
            foreach (var chunk in batch.BlobChunks)
            {
                var key = (writer, chunk.Sha256);
                if (!sentChunks.TryGetValue(key, out var parts))
                {
                    sentChunks[key] = parts = [];
                }

                parts[chunk.Offset] = chunk.Data;
            }

            var problem = AssembleBatchBlobs(state, batch, writer, stored, storedChunks, sentChunks);
            if (problem is { } p)
            {
                state.Reject(i, p.Field, p.Message);
            }
        }
    }

    private (string Field, string Message)? AssembleBatchBlobs(
        CommitState state,
        WriteBatch batch,
        WriterKey writer,
        HashSet<byte[]> stored,
        Dictionary<(WriterKey, byte[]), SortedDictionary<long, byte[]>> storedChunks,
        Dictionary<(WriterKey, byte[]), SortedDictionary<long, byte[]>> sentChunks)
    {
        var assembled = new List<(byte[] Sha256, long Size, byte[] Content)>();
        for (var p = 0; p < batch.Blobs.Count; p++)
        {
            var blobs = batch.Blobs[p].Blobs;
            for (var b = 0; b < blobs.Count; b++)
            {
                var blob = blobs[b];
                var field = $"batch.blobs[{p}].blobs[{b}]";
                if (blob.Sha256.Length != SHA256.HashSizeInBytes)
                {
                    return (field + ".chunked.sha256", "a SHA-256 has 32 bytes");
                }

                if (!blob.IsChunked)
                {
                    if (!stored.Contains(blob.Sha256))
                    {
                        assembled.Add((blob.Sha256, blob.Size, blob.Content!));
                    }

                    continue;
                }

                if (stored.Contains(blob.Sha256) || state.BlobContents.ContainsKey(blob.Sha256))
                {
                    continue;
                }

                if (blob.Size < 0 || blob.Size > MaxBlobBytes)
                {
                    return (field + ".chunked.size", $"blob size {blob.Size} is outside 0..{MaxBlobBytes}");
                }

                var parts = new SortedDictionary<long, byte[]>();
                if (storedChunks.TryGetValue((writer, blob.Sha256), out var fromDb))
                {
                    foreach (var (offset, data) in fromDb)
                    {
                        parts[offset] = data;
                    }
                }

                if (sentChunks.TryGetValue((writer, blob.Sha256), out var fromBatches))
                {
                    foreach (var (offset, data) in fromBatches)
                    {
                        parts[offset] = data;
                    }
                }

                var content = new byte[blob.Size];
                long filled = 0;
                foreach (var (offset, data) in parts)
                {
                    if (offset != filled || offset + data.LongLength > blob.Size)
                    {
                        return (field + ".chunked", $"the chunks of blob {Convert.ToHexStringLower(blob.Sha256)} do not tile its {blob.Size} bytes (a gap, overlap or overrun at offset {offset})");
                    }

                    data.CopyTo(content, offset);
                    filled += data.LongLength;
                }

                if (filled != blob.Size)
                {
                    return (field + ".chunked", $"blob {Convert.ToHexStringLower(blob.Sha256)} is incomplete: {filled} of {blob.Size} bytes were sent as chunks by this writer");
                }

                if (!SHA256.HashData(content).AsSpan().SequenceEqual(blob.Sha256))
                {
                    return (field + ".chunked.sha256", $"the assembled {blob.Size} bytes do not hash to {Convert.ToHexStringLower(blob.Sha256)}");
                }

                assembled.Add((blob.Sha256, blob.Size, content));
            }
        }

        foreach (var (sha, size, content) in assembled)
        {
            state.BlobContents.TryAdd(sha, (size, content));
        }

        return null;
    }
}
