namespace Metrics.Exporter.Tests.Support;

/// <summary>Waits for a condition with a timeout (polling), never for a fixed time.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("timed out waiting: " + describe());
            }

            await Task.Delay(50);
        }
    }
}
