using System.Diagnostics;
using Metrics.LocalStack;

namespace Metrics.Bench.Ingest;

/// <summary>
/// CPU seconds the processes of a measurement use during it, read from /proc before and after:
/// on a machine shared with other work, CPU per point stays comparable where points/s does not.
/// </summary>
internal sealed class CpuMeter
{
    private readonly List<(string Name, Func<double> Seconds)> _processes = [];

    /// <summary>This process (the benchmark's writers or posters).</summary>
    public static double OwnSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>A PostgreSQL server: the postmaster with all its backends.</summary>
    public static Func<double> Postgres(LocalPostgres postgres) =>
        () => postgres.PostmasterId is { } id ? ProcessCpu.TreeSeconds(id) : 0;

    /// <summary>A service child process.</summary>
    public static Func<double> Service(ServiceProcess service) =>
        () => service.ProcessId is { } id ? ProcessCpu.Seconds(id) : 0;

    public CpuMeter Add(string name, Func<double> seconds)
    {
        _processes.Add((name, seconds));
        return this;
    }

    /// <summary>Reads every process now; the returned function gives each one's CPU seconds since.</summary>
    public Func<IReadOnlyList<(string Name, double Seconds)>> Start()
    {
        var before = _processes.Select(p => p.Seconds()).ToArray();
        return () => [.. _processes.Select((p, i) => (p.Name, p.Seconds() - before[i]))];
    }

    /// <summary>Adds "&lt;name&gt;_cpu_us_per_point" for each process to <paramref name="result"/>.</summary>
    public static void Report(BenchResult result, IReadOnlyList<(string Name, double Seconds)> used, long points)
    {
        foreach (var (name, seconds) in used)
        {
            result.Extra[name + "_cpu_us_per_point"] = Math.Round(seconds * 1e6 / points, 3);
        }
    }
}
