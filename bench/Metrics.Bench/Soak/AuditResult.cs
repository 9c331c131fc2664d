using System.Globalization;

namespace Metrics.Bench.Soak;

/// <summary>
/// Acknowledged points checked against a store (the database or an exported logdir), point by
/// point: <see cref="Lost"/> acknowledged points missing or different, <see cref="Duplicated"/>
/// points applied or present more than once, <see cref="Unexpected"/> points no writer was
/// acknowledged for.
/// </summary>
public sealed record AuditResult(string Store, long Acknowledged, long Found, long Lost, long Duplicated, long Unexpected, IReadOnlyList<string> Examples)
{
    public bool Exact => Lost == 0 && Duplicated == 0 && Unexpected == 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Store}: acknowledged={Acknowledged} found={Found} lost={Lost} duplicated={Duplicated} unexpected={Unexpected}")
        + (Examples.Count > 0 ? " e.g. " + string.Join("; ", Examples) : "");
}
