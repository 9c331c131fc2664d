using Metrics.Resilience.Tests.Support;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Resilience.Tests.Hostile;

/// <summary>
/// Mutated event files (from TensorBoard's own fixtures: scalars, histograms, images, audio, text,
/// graph, hparams, v1 summaries) read back: the framing reader may only throw
/// TfRecordCorruptionException naming the file and a record offset inside it, and the run reader
/// reports damage as problems instead of throwing. Mutations either break the framing (checksums
/// catch them) or are re-framed with valid checksums so the event parser sees the garbage.
/// </summary>
public sealed class EventFileFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 7_340_033;
    private const int MutationsPerFile = 120;

    public static TheoryData<string> FixtureFiles()
    {
        var data = new TheoryData<string>();
        foreach (var fixture in new[] { "basic", "v1" })
        {
            foreach (var file in Directory.GetFiles(RepoPaths.Fixture(fixture), "*tfevents*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                data.Add(Path.GetRelativePath(RepoPaths.TensorBoardFixtures, file));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureFiles))]
    public void Read_MutatedEventFile_OnlyCorruptionWithOffsetOrProblems(string fixtureFile)
    {
        var original = File.ReadAllBytes(Path.Combine(RepoPaths.TensorBoardFixtures, fixtureFile));
        var records = Records(original);
        var random = new Random(Seed ^ fixtureFile.GetHashCode(StringComparison.Ordinal));
        var work = Stack.WorkDirectory("event_fuzz");
        int corrupt = 0, problems = 0, clean = 0;
        for (var i = 0; i < MutationsPerFile; i++)
        {
            var runDir = Path.Combine(work, "m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(runDir);
            var path = Path.Combine(runDir, "events.out.tfevents.1700000000.fuzz");
            var mutated = i % 2 == 0 ? Mutations.Mutate(original, random, maxEdits: 3) : Reframe(records, random);
            File.WriteAllBytes(path, mutated);

            try
            {
                using var reader = new TfRecordReader(path);
                while (reader.TryReadRecord(out _))
                {
                }

                clean++;
            }
            catch (TfRecordCorruptionException e)
            {
                Assert.Equal(path, e.FilePath);
                Assert.InRange(e.Offset, 0, mutated.Length - 1);
                corrupt++;
            }

            var snapshot = LogdirSnapshot.Read(runDir);
            foreach (var problem in snapshot.Problems)
            {
                Assert.InRange(problem.Offset, 0, mutated.Length);
                problems++;
            }
        }

        output.WriteLine($"{fixtureFile}: {MutationsPerFile} mutations; framing corruption reported {corrupt}, read cleanly {clean}, run-reader problems {problems}");
        Assert.True(corrupt > 0, "no mutation was caught by the checksums");
    }

    private static List<byte[]> Records(byte[] file)
    {
        var records = new List<byte[]>();
        using var reader = new TfRecordReader(new MemoryStream(file), "original");
        while (reader.TryReadRecord(out var data))
        {
            records.Add(data.ToArray());
        }

        return records;
    }

    /// <summary>Each record kept, dropped or with its payload mutated, then framed with valid checksums.</summary>
    private static byte[] Reframe(List<byte[]> records, Random random)
    {
        using var file = new MemoryStream();
        foreach (var record in records)
        {
            var data = random.Next(4) switch
            {
                0 => Mutations.Mutate(record, random, maxEdits: 3),
                1 when records.Count > 1 => null,
                _ => record,
            };
            if (data is null)
            {
                continue;
            }

            var framed = new byte[TfRecord.RecordLength(data.Length)];
            TfRecord.Write(data, framed);
            file.Write(framed);
        }

        return file.ToArray();
    }
}
