using BenchmarkDotNet.Attributes;
using Metrics.TensorBoard;

namespace Metrics.Bench.Events;

/// <summary>
/// BenchmarkDotNet: per-event cost of writing and reading scalar events, beside a raw copy of the
/// same bytes (the baseline). Run: dotnet run -c Release --project bench/... or via BenchmarkRunner.
/// </summary>
[MemoryDiagnoser]
public class EventsBenchmarks
{
    private const int Events = 200_000;
    private string _directory = "";
    private string _readDirectory = "";
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "metrics-bdn-events-" + Guid.NewGuid().ToString("N"));
        _readDirectory = Path.Combine(_directory, "read");
        using (var writer = EventFileWriter.Create(_readDirectory, Options()))
        {
            ScalarEvents.Write(writer, Events);
            _bytes = File.ReadAllBytes(writer.FilePath);
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_directory, recursive: true);

    [Benchmark(Baseline = true, OperationsPerInvoke = Events)]
    public void RawCopy()
    {
        using var stream = new FileStream(Path.Combine(_directory, "raw.bin"), FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        stream.Write(_bytes);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public void WriteScalars()
    {
        var dir = Path.Combine(_directory, "write");
        using (var writer = EventFileWriter.Create(dir, Options()))
        {
            ScalarEvents.Write(writer, Events);
        }

        Directory.Delete(dir, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Events)]
    public long ReadScalars() => ScalarEvents.Read(_readDirectory);

    private static EventFileWriterOptions Options() =>
        new() { MaxQueue = int.MaxValue, FlushInterval = Timeout.InfiniteTimeSpan, Host = "bench", ProcessId = 1 };
}
