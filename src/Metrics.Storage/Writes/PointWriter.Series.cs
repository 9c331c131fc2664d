using Metrics.Storage.Writes.Internal;
using Npgsql;

namespace Metrics.Storage.Writes;

public sealed partial class PointWriter
{
    /// <summary>
    /// Locks the series the live batches use (in id order), checks every metadata and point against
    /// the series' data class (rejecting the batch that disagrees, naming the field), and creates
    /// the series that are new.
    /// </summary>
    private static async Task ResolveSeriesAsync(NpgsqlConnection connection, CommitState state, CancellationToken cancellationToken)
    {
        var keys = new HashSet<SeriesKey>();
        foreach (var i in state.LiveIndexes())
        {
            var batch = state.Batches[i];
            foreach (var tag in Tags(batch))
            {
                keys.Add(new SeriesKey(batch.RunId, tag));
            }
        }

        await LoadSeriesAsync(connection, state, keys, cancellationToken);

        var pending = new Dictionary<SeriesKey, SeriesDefinition>();
        foreach (var i in state.LiveIndexes().ToList())
        {
            var batch = state.Batches[i];
            var local = new Dictionary<SeriesKey, SeriesDefinition>();
            var problem = CheckBatchSeries(state, batch, pending, local);
            if (problem is { } p)
            {
                state.Reject(i, p.Field, p.Message);
                continue;
            }

            foreach (var (key, definition) in local)
            {
                pending[key] = definition;
            }
        }

        if (pending.Count == 0)
        {
            return;
        }

        var created = pending.OrderBy(p => p.Key.RunId).ThenBy(p => p.Key.Tag, StringComparer.Ordinal).ToList();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO series (run_id, tag, data_class, plugin_name, plugin_content, display_name, description)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::smallint[], $4::text[], $5::bytea[], $6::text[], $7::text[])
            ON CONFLICT (run_id, tag) DO NOTHING
            """, connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. created.Select(c => c.Key.RunId)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. created.Select(c => c.Key.Tag)] });
            insert.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. created.Select(c => (short)c.Value.DataClass)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. created.Select(c => c.Value.PluginName)] });
            insert.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. created.Select(c => c.Value.PluginContent)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. created.Select(c => c.Value.DisplayName)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. created.Select(c => c.Value.Description)] });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await LoadSeriesAsync(connection, state, pending.Keys, cancellationToken);
        foreach (var (key, definition) in pending)
        {
            if (!state.Series.TryGetValue(key, out var series) || series.DataClass != definition.DataClass)
            {
                throw new SeriesRaceException($"series '{key.Tag}' of run {key.RunId} was created concurrently with another data class");
            }
        }
    }

    private static async Task LoadSeriesAsync(NpgsqlConnection connection, CommitState state, IEnumerable<SeriesKey> keys, CancellationToken cancellationToken)
    {
        var list = keys.ToList();
        if (list.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            SELECT s.series_id, s.run_id, s.tag, s.data_class, s.point_count, s.min_step, s.max_step
            FROM series s
            JOIN unnest($1::bigint[], $2::text[]) AS k(run_id, tag) ON s.run_id = k.run_id AND s.tag = k.tag
            ORDER BY s.series_id
            FOR UPDATE OF s
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. list.Select(k => k.RunId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. list.Select(k => k.Tag)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var series = new SeriesState(reader.GetInt64(0), reader.GetInt64(1), (SeriesDataClass)reader.GetInt16(3))
            {
                PointCount = reader.GetInt64(4),
                MinStep = reader.IsDBNull(5) ? null : reader.GetInt64(5),
                MaxStep = reader.IsDBNull(6) ? null : reader.GetInt64(6),
            };
            state.Series[new SeriesKey(series.RunId, reader.GetString(2))] = series;
            state.SeriesById[series.SeriesId] = series;
        }
    }

    /// <summary>Re-reads counts and step ranges of series after a restart changed them in the database.</summary>
    private static async Task ReloadSeriesRangesAsync(NpgsqlConnection connection, CommitState state, long runId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT series_id, point_count, min_step, max_step FROM series WHERE run_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = runId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (state.SeriesById.TryGetValue(reader.GetInt64(0), out var series))
            {
                series.PointCount = reader.GetInt64(1);
                series.MinStep = reader.IsDBNull(2) ? null : reader.GetInt64(2);
                series.MaxStep = reader.IsDBNull(3) ? null : reader.GetInt64(3);
            }
        }
    }

    private static (string Field, string Message)? CheckBatchSeries(
        CommitState state,
        WriteBatch batch,
        Dictionary<SeriesKey, SeriesDefinition> pending,
        Dictionary<SeriesKey, SeriesDefinition> local)
    {
        SeriesDataClass? ClassOf(SeriesKey key) =>
            state.Series.TryGetValue(key, out var s) ? s.DataClass
            : pending.TryGetValue(key, out var p) ? p.DataClass
            : local.TryGetValue(key, out var l) ? l.DataClass
            : null;

        for (var m = 0; m < batch.Metadata.Count; m++)
        {
            var definition = batch.Metadata[m];
            var key = new SeriesKey(batch.RunId, definition.Tag);
            if (!Enum.IsDefined(definition.DataClass))
            {
                return ($"batch.metadata[{m}].data_class", $"tag '{definition.Tag}' has no data class (scalar, tensor or blob sequence)");
            }

            if (ClassOf(key) is { } known && known != definition.DataClass)
            {
                return ($"batch.metadata[{m}].data_class", $"tag '{definition.Tag}' is a {Describe(known)} series in this run; this metadata says {Describe(definition.DataClass)}");
            }

            local.TryAdd(key, definition);
        }

        (string, string)? Check(string field, string tag, SeriesDataClass wanted)
        {
            var actual = ClassOf(new SeriesKey(batch.RunId, tag));
            if (actual is null)
            {
                return (field, $"tag '{tag}' has no series in this run yet: send its SeriesMetadata with its first points");
            }

            return actual != wanted
                ? (field, $"tag '{tag}' is a {Describe(actual.Value)} series; these are {Describe(wanted)} points")
                : null;
        }

        for (var s = 0; s < batch.Scalars.Count; s++)
        {
            if (Check($"batch.scalars[{s}].tag", batch.Scalars[s].Tag, SeriesDataClass.Scalar) is { } problem)
            {
                return problem;
            }
        }

        for (var t = 0; t < batch.Tensors.Count; t++)
        {
            if (Check($"batch.tensors[{t}].tag", batch.Tensors[t].Tag, SeriesDataClass.Tensor) is { } problem)
            {
                return problem;
            }
        }

        for (var b = 0; b < batch.Blobs.Count; b++)
        {
            if (Check($"batch.blobs[{b}].tag", batch.Blobs[b].Tag, SeriesDataClass.BlobSequence) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string Describe(SeriesDataClass dataClass) => dataClass switch
    {
        SeriesDataClass.Scalar => "scalar",
        SeriesDataClass.Tensor => "tensor",
        _ => "blob sequence",
    };

    private static IEnumerable<string> Tags(WriteBatch batch) =>
        batch.Metadata.Select(m => m.Tag)
            .Concat(batch.Scalars.Select(s => s.Tag))
            .Concat(batch.Tensors.Select(t => t.Tag))
            .Concat(batch.Blobs.Select(b => b.Tag));
}
