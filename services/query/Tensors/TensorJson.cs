using System.Text.Json.Nodes;
using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Query.Tensors;

/// <summary>
/// A TensorProto as JSON the way TensorBoard's make_ndarray reads it: nested arrays by shape
/// (a histogram [k,3] is k rows of [left, right, count]; rank 0 is the bare value, as make_ndarray
/// gives a 0-d array: a text summary is one string, not [["…"]]), strings as UTF-8 text, non-finite
/// floats as "NaN", "Infinity", "-Infinity".
/// </summary>
internal static class TensorJson
{
    public static JsonNode? ToJson(TensorProto tensor)
    {
        var shape = TensorValues.Shape(tensor);
        var rank0 = shape.Length == 0;
        if (rank0)
        {
            shape = [1];
        }

        var nested = Nested(tensor, shape);
        return rank0 ? Unwrap(nested) : nested;
    }

    private static JsonNode? Unwrap(JsonArray array)
    {
        var element = array[0];
        array.RemoveAt(0);
        return element;
    }

    private static JsonArray Nested(TensorProto tensor, long[] shape)
    {
        if (TensorValues.IsString(tensor))
        {
            var strings = TensorValues.ToStrings(tensor);
            var i = 0;
            return Nested(shape, 0, () => JsonValue.Create(i < strings.Count ? strings[i++].ToStringUtf8() : string.Empty));
        }

        var values = TensorValues.ToDoubles(tensor);
        var isFloat = tensor.Dtype is DataType.DtFloat or DataType.DtDouble or DataType.DtHalf or DataType.DtBfloat16;
        var j = 0;
        return Nested(shape, 0, () =>
        {
            var v = j < values.Length ? values[j++] : 0;
            return tensor.Dtype switch
            {
                DataType.DtBool => JsonValue.Create(v != 0),
                _ when !isFloat => JsonValue.Create((long)v),
                _ when double.IsNaN(v) => JsonValue.Create("NaN"),
                _ when double.IsPositiveInfinity(v) => JsonValue.Create("Infinity"),
                _ when double.IsNegativeInfinity(v) => JsonValue.Create("-Infinity"),
                _ => JsonValue.Create(v),
            };
        });
    }

    private static JsonArray Nested(long[] shape, int axis, Func<JsonNode?> element)
    {
        var array = new JsonArray();
        for (long i = 0; i < shape[axis]; i++)
        {
            array.Add(axis == shape.Length - 1 ? element() : Nested(shape, axis + 1, element));
        }

        return array;
    }
}
