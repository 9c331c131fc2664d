using System.Globalization;
using System.Text.Json;

namespace Metrics.TensorBoard.Tests;

/// <summary>Compares two JSON documents as trees: same keys, same order of arrays, numbers equal as doubles.</summary>
internal static class JsonTree
{
    public static void AssertEqual(string expected, string actual)
    {
        using var e = JsonDocument.Parse(expected);
        using var a = JsonDocument.Parse(actual);
        var difference = FirstDifference(e.RootElement, a.RootElement, "$");
        Assert.True(difference is null, difference);
    }

    public static string? FirstDifference(JsonElement expected, JsonElement actual, string path)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            return path + ": expected " + expected.ValueKind + " " + Short(expected) + ", got " + actual.ValueKind + " " + Short(actual);
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                if (!expectedNames.SequenceEqual(actualNames))
                {
                    return path + ": keys [" + string.Join(", ", expectedNames) + "] != [" + string.Join(", ", actualNames) + "]";
                }

                foreach (var name in expectedNames)
                {
                    if (FirstDifference(expected.GetProperty(name), actual.GetProperty(name), path + "." + name) is { } d)
                    {
                        return d;
                    }
                }

                return null;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    return path + ": length " + expected.GetArrayLength() + " != " + actual.GetArrayLength();
                }

                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    if (FirstDifference(expected[i], actual[i], path + "[" + i + "]") is { } d)
                    {
                        return d;
                    }
                }

                return null;
            case JsonValueKind.Number:
                return expected.GetDouble().Equals(actual.GetDouble()) ? null : path + ": " + expected.GetRawText() + " != " + actual.GetRawText();
            case JsonValueKind.String:
                return expected.GetString() == actual.GetString() ? null : path + ": " + expected.GetRawText() + " != " + actual.GetRawText();
            default:
                return null;
        }
    }

    private static string Short(JsonElement e)
    {
        var text = e.GetRawText();
        return text.Length > 80 ? text[..80] : text;
    }
}
