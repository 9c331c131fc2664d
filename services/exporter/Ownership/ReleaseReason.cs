namespace Metrics.Exporter.Ownership;

/// <summary>Why a replica let go of a run (logged, and a deleted run asks for a sweep).</summary>
internal static class ReleaseReason
{
    public const string RunDeleted = "run deleted";
    public const string HeldElsewhere = "held elsewhere";
    public const string Refused = "refused";
    public const string Idle = "idle";
}
