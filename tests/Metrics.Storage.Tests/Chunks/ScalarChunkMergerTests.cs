using Metrics.Storage.Chunks;

namespace Metrics.Storage.Tests.Chunks;

public sealed class ScalarChunkMergerTests
{
    [Fact]
    public void Merge_RandomWriteHistories_MatchesADictionaryModel()
    {
        var rng = new Random(1717);
        var encoder = new ScalarChunkEncoder();
        for (var history = 0; history < 1500; history++)
        {
            // The model: one visible point per step; a later write replaces; a restart at S drops steps >= S.
            var model = new SortedDictionary<long, ScalarChunkPoint>();
            byte[] chunk = [];
            var span = rng.Next(2) == 0 ? 50 : 5000;
            for (var op = rng.Next(1, 12); op > 0; op--)
            {
                long? restartAt = rng.Next(4) == 0 ? rng.Next(-5, span + 5) : null;
                var batch = Batch(rng, span);
                if (restartAt is { } s)
                {
                    foreach (var step in model.Keys.Where(k => k >= s).ToArray())
                    {
                        model.Remove(step);
                    }
                }

                foreach (var p in batch)
                {
                    model[p.Step] = p;
                }

                var merged = ScalarChunkMerger.Merge(chunk, batch, restartAt, encoder);
                chunk = merged?.Bytes.ToArray() ?? [];

                var expected = model.Values.ToArray();
                var context = $"history {history}, {op} ops to go";
                Assert.Equal(expected.Length == 0, merged is null);
                ChunkAssert.BitExact(expected, chunk.Length == 0 ? [] : ScalarChunkDecoder.ReadAll(chunk), context);
                if (merged is not null)
                {
                    ChunkAssert.BitExact(expected[0], merged.Summary.First, context + " summary first");
                    ChunkAssert.BitExact(expected[^1], merged.Summary.Last, context + " summary last");
                    Assert.Equal(expected.Length, merged.Summary.Count);
                }
            }
        }
    }

    [Fact]
    public void MergeChunks_RandomPairs_NewerChunkWinsEachStep()
    {
        var rng = new Random(31);
        for (var c = 0; c < 1000; c++)
        {
            var older = Distinct(Batch(rng, 300));
            var newer = Distinct(Batch(rng, 300));
            if (older.Length == 0 || newer.Length == 0)
            {
                continue;
            }

            var model = older.ToDictionary(p => p.Step);
            foreach (var p in newer)
            {
                model[p.Step] = p;
            }

            var merged = ScalarChunkMerger.MergeChunks(ChunkAssert.Encode(older).Bytes.Span, ChunkAssert.Encode(newer).Bytes.Span);

            ChunkAssert.BitExact(model.Values.OrderBy(p => p.Step).ToArray(), ScalarChunkDecoder.ReadAll(merged.Bytes.Span), $"case {c}");
        }
    }

    [Fact]
    public void Truncate_AtOrBeforeTheFirstStep_ReturnsNull()
    {
        var chunk = ChunkAssert.Encode([new(10, 1, 1), new(20, 2, 2)]).Bytes.Span;

        Assert.Null(ScalarChunkMerger.Truncate(chunk, 10));
        Assert.Null(ScalarChunkMerger.Truncate(chunk, long.MinValue));
        Assert.Equal([10L], ScalarChunkDecoder.ReadAll(ScalarChunkMerger.Truncate(chunk, 11)!.Bytes.Span).Select(p => p.Step));
        Assert.Equal([10L, 20L], ScalarChunkDecoder.ReadAll(ScalarChunkMerger.Truncate(chunk, 21)!.Bytes.Span).Select(p => p.Step));
    }

    [Fact]
    public void Merge_SameStepTwiceInOneBatch_KeepsTheLaterWrite()
    {
        ScalarChunkPoint[] batch = [new(5, 1, 1), new(3, 1, 3), new(5, 2, -0.0), new(4, 1, 4), new(5, 3, double.NaN)];

        var merged = ScalarChunkMerger.Merge([], batch)!;

        ChunkAssert.BitExact([new(3, 1, 3), new(4, 1, 4), new(5, 3, double.NaN)], ScalarChunkDecoder.ReadAll(merged.Bytes.Span), "batch");
    }

    [Fact]
    public void Merge_NothingAndNothing_ReturnsNull()
    {
        Assert.Null(ScalarChunkMerger.Merge([], []));
    }

    // Steps from a small range, so writes collide; out of order, sometimes duplicated in one batch.
    private static ScalarChunkPoint[] Batch(Random rng, int span)
    {
        var n = rng.Next(0, 40);
        var batch = new ScalarChunkPoint[n];
        var start = rng.Next(span);
        for (var i = 0; i < n; i++)
        {
            var step = rng.Next(3) == 0 ? rng.Next(-5, span) : start + i;
            var value = rng.Next(8) == 0 ? TestSeries.Specials[rng.Next(TestSeries.Specials.Length)] : (float)rng.NextDouble();
            batch[i] = new ScalarChunkPoint(step, 1.7e9 + step + rng.NextDouble(), value);
        }

        return batch;
    }

    private static ScalarChunkPoint[] Distinct(ScalarChunkPoint[] points) =>
        [.. points.GroupBy(p => p.Step).Select(g => g.Last()).OrderBy(p => p.Step)];
}
