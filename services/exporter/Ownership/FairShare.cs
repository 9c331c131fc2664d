using System.Runtime.InteropServices;

namespace Metrics.Exporter.Ownership;

/// <summary>
/// How replicas split the runs without a leader: a replica takes new runs only while it holds fewer
/// than ceil((runs held by all replicas + runs waiting) / live replicas) + 1 (at most MaxRuns), and
/// tries them in random order, so replicas that see the same notifications take different runs.
/// The randomness is injected so tests can fix the order.
/// </summary>
internal sealed class FairShare(Random random)
{
    /// <summary>The most runs this replica should hold.</summary>
    public static int Cap(int maxRuns, int replicas, int heldByAll, int waiting) =>
        Math.Min(maxRuns, (int)Math.Ceiling((heldByAll + waiting) / (double)Math.Max(1, replicas)) + 1);

    /// <summary>Puts <paramref name="candidates"/> in random order, in place.</summary>
    public void Shuffle(List<long> candidates) => random.Shuffle(CollectionsMarshal.AsSpan(candidates));
}
