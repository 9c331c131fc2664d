namespace Metrics.Storage.Writes.Internal;

/// <summary>Compares (writer, SHA-256) keys of blob chunks by content.</summary>
internal sealed class WriterShaComparer : IEqualityComparer<(WriterKey Writer, byte[] Sha256)>
{
    public static WriterShaComparer Instance { get; } = new();

    public bool Equals((WriterKey Writer, byte[] Sha256) x, (WriterKey Writer, byte[] Sha256) y) =>
        x.Writer == y.Writer && ByteArrayComparer.Instance.Equals(x.Sha256, y.Sha256);

    public int GetHashCode((WriterKey Writer, byte[] Sha256) obj) =>
        HashCode.Combine(obj.Writer, ByteArrayComparer.Instance.GetHashCode(obj.Sha256));
}
