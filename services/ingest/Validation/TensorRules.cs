using Metrics.Contracts.TensorBoard;

namespace Metrics.Ingest.Validation;

/// <summary>
/// A TensorProto must say what it holds: a known dtype, a shape of non-negative dimensions, and
/// either tensor_content of exactly elements × dtype size bytes, or at most one value per element
/// in the *_val field of its dtype (fewer repeat the last, as TensorFlow's make_ndarray does).
/// </summary>
internal static class TensorRules
{
    private const long MaxElements = 1L << 31;

    /// <summary>Null when <paramref name="tensor"/> is consistent, else (subfield, why).</summary>
    public static (string Field, string Message)? Problem(TensorProto tensor)
    {
        if (!Enum.IsDefined(tensor.Dtype) || tensor.Dtype is DataType.DtInvalid or DataType.DtResource or DataType.DtVariant)
        {
            return ("dtype", $"dtype {tensor.Dtype} is not a storable TensorFlow dtype");
        }

        long elements = 1;
        var dims = tensor.TensorShape?.Dim ?? [];
        if (tensor.TensorShape is { UnknownRank: true })
        {
            return ("tensor_shape", "the shape must be known");
        }

        if (dims.Count > 64)
        {
            return ("tensor_shape", $"{dims.Count} dimensions, more than 64");
        }

        for (var d = 0; d < dims.Count; d++)
        {
            var size = dims[d].Size;
            if (size < 0)
            {
                return ($"tensor_shape.dim[{d}].size", $"dimension {d} has size {size}; sizes must be known and not negative");
            }

            if (size > 0 && elements > MaxElements / size)
            {
                return ("tensor_shape", $"the shape has more than {MaxElements} elements");
            }

            elements *= size;
        }

        var valueCounts = ValueCounts(tensor);
        var content = tensor.TensorContent.Length;
        var (own, perElement) = OwnField(tensor.Dtype);
        if (content > 0)
        {
            if (tensor.Dtype == DataType.DtString)
            {
                return ("tensor_content", "DT_STRING tensors carry their values in string_val, not tensor_content");
            }

            var size = DtypeSize(tensor.Dtype);
            if (content != elements * size)
            {
                return ("tensor_content", $"{content} bytes, but {elements} elements of {tensor.Dtype} take {elements * size}");
            }

            if (valueCounts.FirstOrDefault(v => v.Count > 0) is { Name: not null } extra)
            {
                return (extra.Name, "values are given both in tensor_content and in " + extra.Name);
            }

            return null;
        }

        foreach (var (name, count) in valueCounts)
        {
            if (count == 0)
            {
                continue;
            }

            if (name != own)
            {
                return (name, $"a {tensor.Dtype} tensor keeps its values in {own}, not {name}");
            }

            if (count > elements * perElement)
            {
                return (name, $"{count} values for {elements} elements");
            }
        }

        return null;
    }

    public static int DtypeSize(DataType dtype) => dtype switch
    {
        DataType.DtUint8 or DataType.DtInt8 or DataType.DtBool or DataType.DtQint8 or DataType.DtQuint8 => 1,
        DataType.DtInt16 or DataType.DtUint16 or DataType.DtQint16 or DataType.DtQuint16 or DataType.DtHalf or DataType.DtBfloat16 => 2,
        DataType.DtFloat or DataType.DtInt32 or DataType.DtUint32 or DataType.DtQint32 => 4,
        DataType.DtDouble or DataType.DtInt64 or DataType.DtUint64 or DataType.DtComplex64 => 8,
        DataType.DtComplex128 => 16,
        _ => 0,
    };

    private static (string Field, int PerElement) OwnField(DataType dtype) => dtype switch
    {
        DataType.DtFloat => ("float_val", 1),
        DataType.DtDouble => ("double_val", 1),
        DataType.DtInt64 => ("int64_val", 1),
        DataType.DtBool => ("bool_val", 1),
        DataType.DtString => ("string_val", 1),
        DataType.DtHalf or DataType.DtBfloat16 => ("half_val", 1),
        DataType.DtComplex64 => ("scomplex_val", 2),
        DataType.DtComplex128 => ("dcomplex_val", 2),
        DataType.DtUint32 => ("uint32_val", 1),
        DataType.DtUint64 => ("uint64_val", 1),
        _ => ("int_val", 1),
    };

    private static (string Name, int Count)[] ValueCounts(TensorProto t) =>
    [
        ("float_val", t.FloatVal.Count),
        ("double_val", t.DoubleVal.Count),
        ("int_val", t.IntVal.Count),
        ("int64_val", t.Int64Val.Count),
        ("bool_val", t.BoolVal.Count),
        ("string_val", t.StringVal.Count),
        ("half_val", t.HalfVal.Count),
        ("scomplex_val", t.ScomplexVal.Count),
        ("dcomplex_val", t.DcomplexVal.Count),
        ("uint32_val", t.Uint32Val.Count),
        ("uint64_val", t.Uint64Val.Count),
    ];
}
