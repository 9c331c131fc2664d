using Metrics.Client.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metrics.Client.Tests;

public sealed class BatchJournalTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "metrics-journal-test-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Recover_AfterAppends_ReturnsSameBatches()
    {
        using (var journal = new BatchJournal(_dir, NullLogger.Instance))
        {
            for (ulong seq = 5; seq <= 9; seq++)
            {
                journal.Append(seq, BitConverter.GetBytes(seq * 100));
            }

            journal.Sync();
        }

        using var reopened = new BatchJournal(_dir, NullLogger.Instance);
        Assert.Equal(5, reopened.Count);
        Assert.Equal(5ul, reopened.FirstSeq);
        Assert.Equal(9ul, reopened.LastSeq);
        Assert.Equal(BitConverter.GetBytes(700ul), reopened.Read(7));
    }

    [Fact]
    public void Append_OneRecord_WritesLengthIeeeCrc32AndPayloadAsBefore()
    {
        using (var journal = new BatchJournal(_dir, NullLogger.Instance))
        {
            journal.Append(1, [1, 2, 3]);
            journal.Sync();
        }

        // Pinned bytes: journals written by earlier versions of the SDK must still open.
        var file = Directory.GetFiles(_dir, "*.seg").Single();
        Assert.Equal(Convert.FromHexString("0B0000002337F4000100000000000000010203"), File.ReadAllBytes(file));
    }

    [Fact]
    public void Recover_TornTail_CutsToLastWholeRecord()
    {
        using (var journal = new BatchJournal(_dir, NullLogger.Instance))
        {
            journal.Append(1, [1, 2, 3]);
            journal.Append(2, [4, 5, 6]);
            journal.Sync();
        }

        var file = Directory.GetFiles(_dir, "*.seg").Single();
        var length = new FileInfo(file).Length;
        using (var stream = new FileStream(file, FileMode.Open))
        {
            stream.SetLength(length - 2);
        }

        using var reopened = new BatchJournal(_dir, NullLogger.Instance);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(new byte[] { 1, 2, 3 }, reopened.Read(1));
        Assert.Equal(length / 2, new FileInfo(file).Length);
    }

    [Fact]
    public void Recover_CorruptedRecord_DropsItAndTheRest()
    {
        using (var journal = new BatchJournal(_dir, NullLogger.Instance))
        {
            journal.Append(1, [1, 2, 3]);
            journal.Append(2, [4, 5, 6]);
            journal.Append(3, [7, 8, 9]);
            journal.Sync();
        }

        var file = Directory.GetFiles(_dir, "*.seg").Single();
        var bytes = File.ReadAllBytes(file);
        bytes[(bytes.Length / 3) + 18] ^= 0xFF; // inside the second record's payload
        File.WriteAllBytes(file, bytes);

        using var reopened = new BatchJournal(_dir, NullLogger.Instance);
        Assert.Equal(1, reopened.Count);
        Assert.Equal(1ul, reopened.LastSeq);
    }

    [Fact]
    public void Acknowledge_Everything_DeletesSegments()
    {
        using var journal = new BatchJournal(_dir, NullLogger.Instance);
        journal.Append(1, [1]);
        journal.Append(2, [2]);
        journal.Sync();

        journal.Acknowledge(1);
        Assert.Equal(1, journal.Count);
        journal.Acknowledge(2);

        Assert.Equal(0, journal.Count);
        Assert.Empty(Directory.GetFiles(_dir, "*.seg"));
        journal.Append(3, [3]);
        Assert.Equal(new byte[] { 3 }, journal.Read(3));
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
