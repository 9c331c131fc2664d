namespace Metrics.Resilience.Tests.Support;

/// <summary>Random damage to a byte string, for fuzzing parsers.</summary>
internal static class Mutations
{
    /// <summary>1 to <paramref name="maxEdits"/> edits: a bit flip, a truncation, random bytes inserted, a byte overwritten, or a slice repeated.</summary>
    public static byte[] Mutate(byte[] original, Random random, int maxEdits = 5)
    {
        var bytes = original.ToList();
        for (var n = random.Next(1, maxEdits + 1); n > 0 && bytes.Count > 0; n--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 3:
                    bytes[at] = (byte)random.Next(256);
                    break;
                default:
                    var length = Math.Min(random.Next(1, 64), bytes.Count - at);
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
            }
        }

        return [.. bytes];
    }
}
