using Metrics.Query.Errors;

namespace Metrics.Query.Sampling;

/// <summary>Step range and max_points of a tensor or blob read.</summary>
internal sealed record SampledQuery(long FromStep, long ToStep, int MaxPoints)
{
    public static SampledQuery Parse(long? fromStep, long? toStep, int? maxPoints)
    {
        var from = fromStep ?? long.MinValue;
        var to = toStep ?? long.MaxValue;
        if (from > to)
        {
            throw QueryProblemException.BadParameter("from_step", "from_step must not be greater than to_step");
        }

        var max = maxPoints ?? StepSampler.DefaultMaxPoints;
        if (max is < StepSampler.MinMaxPoints or > StepSampler.MaxMaxPoints)
        {
            throw QueryProblemException.BadParameter("max_points", $"max_points must be between {StepSampler.MinMaxPoints} and {StepSampler.MaxMaxPoints}");
        }

        return new SampledQuery(from, to, max);
    }
}
