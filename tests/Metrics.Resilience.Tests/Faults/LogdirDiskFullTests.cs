using Metrics.Bench.Soak;
using Metrics.Resilience.Tests.Support;
using Metrics.Testing;

namespace Metrics.Resilience.Tests.Faults;

/// <summary>The logdir's disk fills up (a 2 MiB tmpfs) under load, then is given room again.</summary>
public sealed class LogdirDiskFullTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ExportToFullDisk_ThenRoomAgain_LogdirCatchesUpExactlyWithoutRestart()
    {
        var mount = Stack.WorkDirectory("disk_full_logdir");
        await using var disk = await SmallDisk.MountAsync(mount, "2m");
        output.WriteLine($"logdir on {disk.Kind} of 2 MiB at {mount}");
        await using var services = await Stack.StartAsync("disk_full", logdir: mount);
        var exporter = services.Exporter!;
        var grown = false;
        var fill = new SoakFault("logdir disk full, then grown to 256 MiB", async (_, ct) =>
        {
            if (grown)
            {
                return; // Once is the fault; later turns of the soak just keep writing.
            }

            await Eventually.TrueAsync(() => disk.AvailableBytes <= 64 * 1024, TimeSpan.FromSeconds(90), () => $"the logdir to fill up ({disk.AvailableBytes} bytes free)", ct);

            output.WriteLine($"disk full: {disk.AvailableBytes} bytes free; exporter running: {exporter.IsRunning}");
            var failures = exporter.Tail.Split('\n').Count(l => l.Contains("No space left", StringComparison.Ordinal));
            output.WriteLine($"exporter log lines naming ENOSPC so far: {failures}");
            await disk.GrowAsync("256m", ct);
            grown = true;
        });
        var report = await SoakRunner.RunAsync(services, new SoakSettings
        {
            Writers = 20,
            Runs = 4,
            Duration = TimeSpan.FromSeconds(20),
            BatchesPerSecond = 5,
            Faults = [fill],
            FaultInterval = TimeSpan.FromSeconds(4),
        }, new TestOutputWriter(output), CancellationToken.None);

        Report.AssertExactlyOnce(output, "logdir disk full", report);
        Assert.True(grown, "the disk never filled up");
        Assert.True(exporter.IsRunning, "the exporter exited:\n" + exporter.Tail);
        Assert.Equal(1, exporter.Starts);
    }
}
