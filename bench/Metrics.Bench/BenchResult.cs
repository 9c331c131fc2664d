using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Metrics.Bench;

/// <summary>
/// One benchmark figure beside its same-run baseline. `--json` prints it as one object
/// {name, value, baseline, ratio, unit, ...extra}; text output is one line a figure.
/// </summary>
public sealed record BenchResult(string Name, double Value, double Baseline, string Unit, string BaselineName)
{
    /// <summary>value / baseline.</summary>
    public double Ratio => Baseline == 0 ? 0 : Value / Baseline;

    /// <summary>Further figures (e.g. p50_ms, p99_ms, rss_mb) printed beside the main one.</summary>
    public IDictionary<string, object> Extra { get; } = new SortedDictionary<string, object>(StringComparer.Ordinal);

    public string ToJson()
    {
        var obj = new JsonObject
        {
            ["name"] = Name,
            ["value"] = Math.Round(Value, 3),
            ["baseline"] = Math.Round(Baseline, 3),
            ["ratio"] = Math.Round(Ratio, 4),
            ["unit"] = Unit,
            ["baseline_name"] = BaselineName,
        };
        foreach (var (key, value) in Extra)
        {
            obj[key] = JsonSerializer.SerializeToNode(value);
        }

        return obj.ToJsonString();
    }

    public string ToText()
    {
        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"{Name}: {Value:N1} {Unit}"),
            string.Create(CultureInfo.InvariantCulture, $"baseline ({BaselineName}): {Baseline:N1} {Unit}"),
            string.Create(CultureInfo.InvariantCulture, $"ratio: {Ratio:P1}"),
        };
        lines.AddRange(Extra.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}: {kv.Value}")));
        return string.Join(Environment.NewLine, lines);
    }
}
