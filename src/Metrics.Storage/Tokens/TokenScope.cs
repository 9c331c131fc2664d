namespace Metrics.Storage;

/// <summary>What a token may do in its project; each scope includes the ones below it.</summary>
public enum TokenScope : short
{
    Read = 1,
    Write = 2,
    Admin = 3,
}
