using Google.Protobuf;
using Google.Protobuf.Collections;
using Metrics.Contracts.V1;
using Metrics.Storage.Writes;
using Microsoft.Extensions.Options;

namespace Metrics.Ingest.Validation;

/// <summary>
/// Checks a Batch against the rules that need no database (field by field, naming the first
/// offender, e.g. "batch.scalars[2].tag") and turns it into a storage <see cref="WriteBatch"/>.
/// What needs the database (a tag's series and data class, chunks sent earlier) is checked at
/// commit by <see cref="PointWriter"/>, with the same field names.
/// </summary>
internal sealed class BatchValidator(IOptions<IngestOptions> options)
{
    private const int Sha256Bytes = 32;

    /// <summary>Throws <see cref="BatchValidationException"/> for the first broken rule.</summary>
    public WriteBatch Convert(Batch batch, long runId, string writerId)
    {
        var o = options.Value;
        if (batch.Seq == 0 || batch.Seq > long.MaxValue)
        {
            throw new BatchValidationException("batch.seq", "seq counts from 1");
        }

        long points = batch.Tensors.Count + batch.Blobs.Count;
        foreach (var series in batch.Scalars)
        {
            points += series.Steps.Count;
        }

        if (points > o.MaxPointsPerBatch)
        {
            throw new BatchValidationException("batch", $"{points} points, more than the limit of {o.MaxPointsPerBatch} per batch (METRICS_INGEST_MAX_POINTS_PER_BATCH)");
        }

        var declared = new Dictionary<string, SeriesDataClass>(StringComparer.Ordinal);
        var metadata = new SeriesDefinition[batch.Metadata.Count];
        for (var i = 0; i < batch.Metadata.Count; i++)
        {
            var m = batch.Metadata[i];
            var field = $"batch.metadata[{i}]";
            CheckTag(field + ".tag", m.Tag);
            if (m.DataClass is not (DataClass.Scalar or DataClass.Tensor or DataClass.BlobSequence))
            {
                throw new BatchValidationException(field + ".data_class", $"tag '{m.Tag}' needs a data class: scalar, tensor or blob sequence");
            }

            var dataClass = (SeriesDataClass)(short)m.DataClass;
            if (declared.TryGetValue(m.Tag, out var earlier) && earlier != dataClass)
            {
                throw new BatchValidationException(field + ".data_class", $"tag '{m.Tag}' is declared twice in this batch with different data classes");
            }

            CheckText(field + ".plugin_name", m.PluginName, 256);
            CheckText(field + ".display_name", m.DisplayName, o.MaxTagLength);
            CheckText(field + ".description", m.Description, 64 * 1024);
            declared[m.Tag] = dataClass;
            metadata[i] = new SeriesDefinition(m.Tag, dataClass, m.PluginName, m.PluginContent.ToByteArray(), m.DisplayName, m.Description);
        }

        var scalars = new ScalarPoints[batch.Scalars.Count];
        for (var i = 0; i < batch.Scalars.Count; i++)
        {
            var s = batch.Scalars[i];
            var field = $"batch.scalars[{i}]";
            CheckTag(field + ".tag", s.Tag);
            CheckClass(declared, field + ".tag", s.Tag, SeriesDataClass.Scalar);
            if (s.WallTimes.Count != s.Steps.Count)
            {
                throw new BatchValidationException(field + ".wall_times", $"{s.WallTimes.Count} wall times for {s.Steps.Count} steps");
            }

            if (s.Values.Count != s.Steps.Count)
            {
                throw new BatchValidationException(field + ".values", $"{s.Values.Count} values for {s.Steps.Count} steps");
            }

            scalars[i] = new ScalarPoints(s.Tag, ToArray(s.Steps), ToArray(s.WallTimes), ToArray(s.Values));
        }

        var tensors = new TensorPointData[batch.Tensors.Count];
        for (var i = 0; i < batch.Tensors.Count; i++)
        {
            var t = batch.Tensors[i];
            var field = $"batch.tensors[{i}]";
            CheckTag(field + ".tag", t.Tag);
            CheckClass(declared, field + ".tag", t.Tag, SeriesDataClass.Tensor);
            if (t.Tensor is null)
            {
                throw new BatchValidationException(field + ".tensor", "a tensor point needs its tensor");
            }

            if (TensorRules.Problem(t.Tensor) is { } problem)
            {
                throw new BatchValidationException($"{field}.tensor.{problem.Field}", problem.Message);
            }

            tensors[i] = new TensorPointData(t.Tag, t.Step, t.WallTime, (short)t.Tensor.Dtype,
                [.. (t.Tensor.TensorShape?.Dim ?? []).Select(d => d.Size)], t.Tensor.ToByteArray());
        }

        var blobs = new BlobPointData[batch.Blobs.Count];
        for (var i = 0; i < batch.Blobs.Count; i++)
        {
            var b = batch.Blobs[i];
            var field = $"batch.blobs[{i}]";
            CheckTag(field + ".tag", b.Tag);
            CheckClass(declared, field + ".tag", b.Tag, SeriesDataClass.BlobSequence);
            var values = new BlobValue[b.Blobs.Count];
            for (var j = 0; j < b.Blobs.Count; j++)
            {
                values[j] = ConvertBlob($"{field}.blobs[{j}]", b.Blobs[j], o.MaxBlobBytes);
            }

            blobs[i] = new BlobPointData(b.Tag, b.Step, b.WallTime, values);
        }

        var chunks = new BlobChunkData[batch.BlobChunks.Count];
        for (var i = 0; i < batch.BlobChunks.Count; i++)
        {
            var c = batch.BlobChunks[i];
            var field = $"batch.blob_chunks[{i}]";
            if (c.Sha256.Length != Sha256Bytes)
            {
                throw new BatchValidationException(field + ".sha256", $"a SHA-256 has {Sha256Bytes} bytes, not {c.Sha256.Length}");
            }

            if (c.Offset < 0 || c.Data.Length == 0 || c.Offset > o.MaxBlobBytes - c.Data.Length)
            {
                throw new BatchValidationException(field + ".offset", $"bytes {c.Offset}..{c.Offset + c.Data.Length} are outside a blob of at most {o.MaxBlobBytes} bytes (METRICS_INGEST_MAX_BLOB_BYTES), or empty");
            }

            chunks[i] = new BlobChunkData(c.Sha256.ToByteArray(), c.Offset, c.Data.ToByteArray());
        }

        return new WriteBatch
        {
            RunId = runId,
            WriterId = writerId,
            Seq = (long)batch.Seq,
            RestartAtStep = batch.HasRestartAtStep ? batch.RestartAtStep : null,
            Metadata = metadata,
            Scalars = scalars,
            Tensors = tensors,
            Blobs = blobs,
            BlobChunks = chunks,
        };
    }

    /// <summary>One block copy (a spread would enumerate the field element by element, per point).</summary>
    private static T[] ToArray<T>(RepeatedField<T> field)
    {
        var array = new T[field.Count];
        field.CopyTo(array, 0);
        return array;
    }

    private static BlobValue ConvertBlob(string field, BlobRef blob, long maxBytes)
    {
        switch (blob.KindCase)
        {
            case BlobRef.KindOneofCase.Data:
                if (blob.Data.Length > maxBytes)
                {
                    throw new BatchValidationException(field + ".data", $"{blob.Data.Length} bytes, more than the blob limit of {maxBytes} (METRICS_INGEST_MAX_BLOB_BYTES)");
                }

                return BlobValue.Inline(blob.Data.ToByteArray());
            case BlobRef.KindOneofCase.Chunked:
                if (blob.Chunked.Sha256.Length != Sha256Bytes)
                {
                    throw new BatchValidationException(field + ".chunked.sha256", $"a SHA-256 has {Sha256Bytes} bytes, not {blob.Chunked.Sha256.Length}");
                }

                if (blob.Chunked.Size < 0 || blob.Chunked.Size > maxBytes)
                {
                    throw new BatchValidationException(field + ".chunked.size", $"size {blob.Chunked.Size} is outside 0..{maxBytes} (METRICS_INGEST_MAX_BLOB_BYTES)");
                }

                return BlobValue.Chunked(blob.Chunked.Sha256.ToByteArray(), blob.Chunked.Size);
            default:
                throw new BatchValidationException(field, "a blob needs data or chunked");
        }
    }

    private void CheckTag(string field, string tag)
    {
        if (Names.TagProblem(tag, options.Value.MaxTagLength) is { } problem)
        {
            throw new BatchValidationException(field, problem);
        }
    }

    private static void CheckText(string field, string text, int maxLength)
    {
        if (text.Length > maxLength)
        {
            throw new BatchValidationException(field, $"longer than {maxLength} characters");
        }

        if (Names.TextProblem(text.Replace('\n', ' ').Replace('\t', ' ').Replace('\r', ' '), field[(field.LastIndexOf('.') + 1)..]) is { } problem)
        {
            throw new BatchValidationException(field, problem);
        }
    }

    private static void CheckClass(Dictionary<string, SeriesDataClass> declared, string field, string tag, SeriesDataClass wanted)
    {
        if (declared.TryGetValue(tag, out var dataClass) && dataClass != wanted)
        {
            throw new BatchValidationException(field, $"tag '{tag}' is declared {Describe(dataClass)} in this batch's metadata, but these are {Describe(wanted)} points");
        }
    }

    private static string Describe(SeriesDataClass dataClass) => dataClass switch
    {
        SeriesDataClass.Scalar => "scalar",
        SeriesDataClass.Tensor => "tensor",
        _ => "blob sequence",
    };
}
