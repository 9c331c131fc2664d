using Metrics.Bench.Storage;

namespace Metrics.Bench.Tests.Storage;

public sealed class StorageFootprintTests
{
    [Fact]
    public void Maps_TotalBeyondHeapIndexesAndToast()
    {
        var footprint = new StorageFootprint(Heap: 8192, Indexes: 16384, Toast: 8192, Total: 40960);

        Assert.Equal(8192, footprint.Maps);
    }

    [Fact]
    public void Add_TwoFootprints_SumsEachPart()
    {
        var sum = new StorageFootprint(1, 2, 3, 10).Add(new StorageFootprint(10, 20, 30, 100));

        Assert.Equal(new StorageFootprint(11, 22, 33, 110), sum);
        Assert.Equal(44, sum.Maps);
    }

    [Fact]
    public void BytesPerPoint_TotalOverPoints()
    {
        Assert.Equal(2.5, new StorageFootprint(0, 0, 0, 10).BytesPerPoint(4));
        Assert.Equal(0, StorageFootprint.Zero.BytesPerPoint(1));
    }

    [Fact]
    public void PerPoint_NoPoints_ThrowsNamingThem() =>
        Assert.Equal("points", Assert.Throws<ArgumentOutOfRangeException>(() => StorageFootprint.PerPoint(100, 0)).ParamName);

    [Fact]
    public void PerPoint_NegativeBytes_ThrowsNamingThem() =>
        Assert.Equal("bytes", Assert.Throws<ArgumentOutOfRangeException>(() => StorageFootprint.PerPoint(-1, 10)).ParamName);
}
