using System.Buffers.Binary;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;

namespace Metrics.TensorBoard;

/// <summary>Reads and builds <see cref="TensorProto"/> values the way TensorBoard's <c>make_ndarray</c> does.</summary>
public static class TensorValues
{
    /// <summary>A rank-0 DT_FLOAT tensor: what a v2 scalar summary holds.</summary>
    public static TensorProto FloatScalar(float value) =>
        new() { Dtype = DataType.DtFloat, TensorShape = new TensorShapeProto(), FloatVal = { value } };

    /// <summary>A rank-1 DT_STRING tensor of blobs: what a blob-sequence summary holds.</summary>
    public static TensorProto Blobs(IEnumerable<ByteString> blobs)
    {
        var tensor = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        tensor.StringVal.AddRange(blobs);
        tensor.TensorShape.Dim.Add(new TensorShapeProto.Types.Dim { Size = tensor.StringVal.Count });
        return tensor;
    }

    /// <summary>Number of elements (product of the dimensions; 1 for rank 0).</summary>
    public static long ElementCount(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        long count = 1;
        if (tensor.TensorShape is { } shape)
        {
            foreach (var dim in shape.Dim)
            {
                count *= Math.Max(dim.Size, 0);
            }
        }

        return count;
    }

    /// <summary>The dimensions (empty for rank 0).</summary>
    public static long[] Shape(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.TensorShape is { } shape ? [.. shape.Dim.Select(d => Math.Max(d.Size, 0))] : [];
    }

    /// <summary>True for DT_STRING tensors.</summary>
    public static bool IsString(TensorProto tensor) => tensor?.Dtype == DataType.DtString;

    /// <summary>The first element of a numeric tensor as float64 (what <c>ndarray.item()</c> gives for one element).</summary>
    public static bool TryGetScalar(TensorProto tensor, out double value)
    {
        value = double.NaN;
        if (tensor is null || IsString(tensor) || ElementCount(tensor) < 1)
        {
            return false;
        }

        var values = ToDoubles(tensor, limit: 1);
        if (values.Length == 0)
        {
            return false;
        }

        value = values[0];
        return true;
    }

    /// <summary>
    /// The elements of a numeric tensor in row-major order as float64 (from tensor_content or the typed
    /// fields; too few values are padded with the last one, none with zeros, as make_ndarray does).
    /// </summary>
    public static double[] ToDoubles(TensorProto tensor, long limit = long.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var count = (int)Math.Min(Math.Min(ElementCount(tensor), limit), int.MaxValue);
        var raw = RawNumbers(tensor);
        var result = new double[count];
        if (raw.Count == 0)
        {
            return result;
        }

        for (var i = 0; i < count; i++)
        {
            result[i] = raw[Math.Min(i, raw.Count - 1)];
        }

        return result;
    }

    /// <summary>The elements of a DT_STRING tensor (padded with the last one like make_ndarray).</summary>
    public static IReadOnlyList<ByteString> ToStrings(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var count = (int)Math.Min(ElementCount(tensor), int.MaxValue);
        if (tensor.StringVal.Count == count)
        {
            return tensor.StringVal;
        }

        var result = new ByteString[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = tensor.StringVal.Count == 0 ? ByteString.Empty : tensor.StringVal[Math.Min(i, tensor.StringVal.Count - 1)];
        }

        return result;
    }

    private static IReadOnlyList<double> RawNumbers(TensorProto t)
    {
        var content = t.TensorContent.Span;
        if (!content.IsEmpty)
        {
            return FromContent(t.Dtype, content);
        }

        return t.Dtype switch
        {
            DataType.DtFloat => t.FloatVal.Select(v => (double)v).ToArray(),
            DataType.DtDouble => t.DoubleVal,
            DataType.DtInt32 or DataType.DtInt16 or DataType.DtInt8 or DataType.DtUint8 or DataType.DtUint16
                or DataType.DtQint8 or DataType.DtQuint8 or DataType.DtQint16 or DataType.DtQuint16 or DataType.DtQint32
                => t.IntVal.Select(v => (double)v).ToArray(),
            DataType.DtInt64 => t.Int64Val.Select(v => (double)v).ToArray(),
            DataType.DtUint32 => t.Uint32Val.Select(v => (double)v).ToArray(),
            DataType.DtUint64 => t.Uint64Val.Select(v => (double)v).ToArray(),
            DataType.DtBool => t.BoolVal.Select(v => v ? 1.0 : 0.0).ToArray(),
            DataType.DtHalf => t.HalfVal.Select(v => (double)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray(),
            DataType.DtBfloat16 => t.HalfVal.Select(v => (double)BitConverter.Int32BitsToSingle(v << 16)).ToArray(),
            _ => [],
        };
    }

    private static double[] FromContent(DataType dtype, ReadOnlySpan<byte> c)
    {
        var size = dtype switch
        {
            DataType.DtFloat or DataType.DtInt32 or DataType.DtUint32 or DataType.DtQint32 => 4,
            DataType.DtDouble or DataType.DtInt64 or DataType.DtUint64 => 8,
            DataType.DtInt16 or DataType.DtUint16 or DataType.DtHalf or DataType.DtBfloat16 or DataType.DtQint16 or DataType.DtQuint16 => 2,
            DataType.DtInt8 or DataType.DtUint8 or DataType.DtBool or DataType.DtQint8 or DataType.DtQuint8 => 1,
            _ => 0,
        };
        if (size == 0)
        {
            return [];
        }

        var result = new double[c.Length / size];
        for (var i = 0; i < result.Length; i++)
        {
            var s = c.Slice(i * size, size);
            result[i] = dtype switch
            {
                DataType.DtFloat => BinaryPrimitives.ReadSingleLittleEndian(s),
                DataType.DtDouble => BinaryPrimitives.ReadDoubleLittleEndian(s),
                DataType.DtInt32 or DataType.DtQint32 => BinaryPrimitives.ReadInt32LittleEndian(s),
                DataType.DtUint32 => BinaryPrimitives.ReadUInt32LittleEndian(s),
                DataType.DtInt64 => BinaryPrimitives.ReadInt64LittleEndian(s),
                DataType.DtUint64 => BinaryPrimitives.ReadUInt64LittleEndian(s),
                DataType.DtInt16 or DataType.DtQint16 => BinaryPrimitives.ReadInt16LittleEndian(s),
                DataType.DtUint16 or DataType.DtQuint16 => BinaryPrimitives.ReadUInt16LittleEndian(s),
                DataType.DtHalf => (double)BinaryPrimitives.ReadHalfLittleEndian(s),
                DataType.DtBfloat16 => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(s) << 16),
                DataType.DtInt8 or DataType.DtQint8 => (sbyte)s[0],
                _ => s[0],
            };
        }

        return result;
    }
}
