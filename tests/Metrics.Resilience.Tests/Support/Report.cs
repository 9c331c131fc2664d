using Metrics.Bench.Soak;

namespace Metrics.Resilience.Tests.Support;

/// <summary>Prints a soak's figures to the test output (docs/reliability.md copies them) and checks nothing was lost or duplicated.</summary>
internal static class Report
{
    public static void AssertExactlyOnce(ITestOutputHelper output, string scenario, SoakReport report, bool exported = true)
    {
        output.WriteLine("== " + scenario);
        output.WriteLine(report.ToString());
        Assert.Empty(report.WriterFaults);
        Assert.True(report.PointsAcked == report.PointsSent, $"writers finished with {report.PointsSent - report.PointsAcked} points unacknowledged");
        Assert.True(report.PointsAcked > 0, "nothing was acknowledged");
        Assert.True(report.Database.Exact, report.Database.ToString());
        if (exported)
        {
            Assert.NotNull(report.Logdir);
            Assert.True(report.Logdir.Exact, report.Logdir.ToString());
        }
    }
}
