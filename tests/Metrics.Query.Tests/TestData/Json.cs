using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Metrics.Query.Tests.TestData;

/// <summary>Reading API answers in tests.</summary>
public static class Json
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(HttpClient client, string url) => await ReadAsync(await client.GetAsync(url));

    public static async Task<JsonElement> PostAsync(HttpClient client, string url, object body) => await ReadAsync(await client.PostAsJsonAsync(url, body));

    /// <summary>A number, or one of the strings "NaN", "Infinity", "-Infinity".</summary>
    public static double Number(JsonElement element) => element.ValueKind == JsonValueKind.String
        ? element.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var other => throw new FormatException("not a number: " + other),
        }
        : element.GetDouble();

    /// <summary>The points of a columnar series {"steps","wall_times","values"}.</summary>
    public static List<(long Step, double WallTime, double Value)> Points(JsonElement series)
    {
        var steps = series.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()).ToList();
        var walls = series.GetProperty("wall_times").EnumerateArray().Select(Number).ToList();
        var values = series.GetProperty("values").EnumerateArray().Select(Number).ToList();
        Assert.Equal(steps.Count, walls.Count);
        Assert.Equal(steps.Count, values.Count);
        return [.. steps.Select((s, i) => (s, walls[i], values[i]))];
    }

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
