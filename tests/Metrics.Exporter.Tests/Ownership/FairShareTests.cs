using Metrics.Exporter.Ownership;

namespace Metrics.Exporter.Tests.Ownership;

public sealed class FairShareTests
{
    [Theory]
    [InlineData(1, 0, 5, 6)] // alone: everything waiting, and one more
    [InlineData(2, 4, 4, 5)] // two replicas: half of held + waiting, and one more
    [InlineData(3, 10, 0, 5)] // ceil(10 / 3) + 1
    [InlineData(0, 0, 2, 3)] // no lock connection counted yet (its own is opening): as if alone
    public void Cap_ReplicasHeldWaiting_IsShareOfAllPlusOne(int replicas, int held, int waiting, int expected)
    {
        Assert.Equal(expected, FairShare.Cap(maxRuns: 1000, replicas, held, waiting));
    }

    [Fact]
    public void Cap_ShareAboveMaxRuns_IsMaxRuns()
    {
        Assert.Equal(3, FairShare.Cap(maxRuns: 3, replicas: 1, heldByAll: 0, waiting: 100));
    }

    [Fact]
    public void Shuffle_SameSeed_SameOrderEveryTime()
    {
        List<long> first = [.. Enumerable.Range(1, 20).Select(i => (long)i)];
        List<long> second = [.. first];

        new FairShare(new Random(5)).Shuffle(first);
        new FairShare(new Random(5)).Shuffle(second);

        Assert.Equal(first, second);
    }

    [Fact]
    public void Shuffle_TwoReplicas_TryRunsInDifferentOrdersButKeepEveryRun()
    {
        var runs = Enumerable.Range(1, 20).Select(i => (long)i).ToList();
        List<long> a = [.. runs];
        List<long> b = [.. runs];

        new FairShare(new Random(1)).Shuffle(a);
        new FairShare(new Random(2)).Shuffle(b);

        Assert.NotEqual(a, b);
        Assert.Equal(runs, a.Order());
        Assert.Equal(runs, b.Order());
    }
}
