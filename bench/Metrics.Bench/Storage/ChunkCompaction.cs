using Metrics.Storage.Writes;
using Npgsql;

namespace Metrics.Bench.Storage;

/// <summary>
/// Storage's background compaction, run to the end, when the Storage this benchmark is built
/// with has it: `Metrics.Storage.Chunks.ScalarChunkCompactor.CompactAllAsync(dataSource, ct)`
/// (issue #17). Looked up by name so the benchmark measures whichever storage it is built
/// against, with or without compaction, and says which.
/// </summary>
internal static class ChunkCompaction
{
    public const string TypeName = "Metrics.Storage.Chunks.ScalarChunkCompactor";
    public const string MethodName = "CompactAllAsync";

    /// <summary>Compacts every series until nothing is left to merge and returns the chunks merged; null when Storage has no compactor.</summary>
    public static Func<NpgsqlDataSource, CancellationToken, Task<int>>? Find()
    {
        var method = typeof(PointWriter).Assembly.GetType(TypeName)?.GetMethod(MethodName, [typeof(NpgsqlDataSource), typeof(CancellationToken)]);
        return method is { IsStatic: true } && method.ReturnType == typeof(Task<int>)
            ? method.CreateDelegate<Func<NpgsqlDataSource, CancellationToken, Task<int>>>()
            : null;
    }
}
