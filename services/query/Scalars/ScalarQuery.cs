using Metrics.Query.Errors;

namespace Metrics.Query.Scalars;

/// <summary>What to read of a scalar series: a step range, downsampled to max_points or every point, in JSON or CSV.</summary>
internal sealed record ScalarQuery(long FromStep, long ToStep, int MaxPoints, bool AllPoints, ScalarAxis Axis, bool Csv)
{
    public const int DefaultMaxPoints = 1000;
    public const int MinMaxPoints = 5;
    public const int MaxMaxPoints = 100_000;

    /// <summary>Validates the parameters shared by GET and POST; each refusal names its parameter.</summary>
    public static ScalarQuery Parse(long? fromStep, long? toStep, int? maxPoints, string? mode, string? x, string? format)
    {
        var from = fromStep ?? long.MinValue;
        var to = toStep ?? long.MaxValue;
        if (from > to)
        {
            throw QueryProblemException.BadParameter("from_step", "from_step must not be greater than to_step");
        }

        var max = maxPoints ?? DefaultMaxPoints;
        if (max is < MinMaxPoints or > MaxMaxPoints)
        {
            throw QueryProblemException.BadParameter("max_points", $"max_points must be between {MinMaxPoints} and {MaxMaxPoints} (mode=all returns every point)");
        }

        var all = mode switch
        {
            null or "" or "downsample" => false,
            "all" => true,
            _ => throw QueryProblemException.BadParameter("mode", "mode must be 'downsample' or 'all'"),
        };
        var axis = x switch
        {
            null or "" or "step" => ScalarAxis.Step,
            "wall_time" => ScalarAxis.WallTime,
            _ => throw QueryProblemException.BadParameter("x", "x must be 'step' or 'wall_time'"),
        };
        var csv = format switch
        {
            null or "" or "json" => false,
            "csv" => true,
            _ => throw QueryProblemException.BadParameter("format", "format must be 'json' or 'csv'"),
        };
        return new ScalarQuery(from, to, max, all, axis, csv);
    }
}
