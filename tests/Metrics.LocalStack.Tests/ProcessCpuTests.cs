using System.Diagnostics;

namespace Metrics.LocalStack.Tests;

public sealed class ProcessCpuTests
{
    [Fact]
    public void Seconds_ThisProcess_PositiveAndAtMostWhatTheRuntimeCounts()
    {
        // The runtime's figure is read after ours, so it is the larger (both count utime + stime).
        var seconds = ProcessCpu.Seconds(Environment.ProcessId);
        using var self = Process.GetCurrentProcess();

        Assert.True(seconds > 0);
        Assert.True(seconds <= self.TotalProcessorTime.TotalSeconds + 0.01);
    }

    [Fact]
    public void Seconds_NoSuchProcess_Zero() =>
        Assert.Equal(0, ProcessCpu.Seconds(int.MaxValue));

    [Fact]
    public async Task TreeSeconds_ExitedChild_CountedInTheParent()
    {
        // A child that burns CPU and exits: once reaped, its time is in our cutime/cstime.
        var before = ProcessCpu.TreeSeconds(Environment.ProcessId);
        using (var child = Process.Start(new ProcessStartInfo("sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"]))!)
        {
            await child.WaitForExitAsync();
        }

        Assert.True(ProcessCpu.TreeSeconds(Environment.ProcessId) > before);
    }
}
