using Metrics.Query.Errors;

namespace Metrics.Query.Runs;

/// <summary>
/// The orders runs can be listed in, each a keyset (sort key, run_id) so cursors stay stable
/// while runs are inserted. SQL fragments are constants chosen here, never built from input.
/// </summary>
internal sealed record RunSort(string Name, string OrderBy, string After, RunSortKey Key)
{
    public static readonly RunSort NameAscending = new("name", "r.name, r.run_id", "(r.name, r.run_id) > ($5, $7)", RunSortKey.Name);
    public static readonly RunSort NameDescending = new("-name", "r.name DESC, r.run_id DESC", "(r.name, r.run_id) < ($5, $7)", RunSortKey.Name);
    public static readonly RunSort CreatedAscending = new("created", "r.run_id", "r.run_id > $7", RunSortKey.RunId);
    public static readonly RunSort CreatedDescending = new("-created", "r.run_id DESC", "r.run_id < $7", RunSortKey.RunId);
    public static readonly RunSort LastWriteAscending = new("last_write", "r.last_write_at, r.run_id", "(r.last_write_at, r.run_id) > ($6, $7)", RunSortKey.LastWrite);
    public static readonly RunSort LastWriteDescending = new("-last_write", "r.last_write_at DESC, r.run_id DESC", "(r.last_write_at, r.run_id) < ($6, $7)", RunSortKey.LastWrite);

    private static readonly RunSort[] All = [NameAscending, NameDescending, CreatedAscending, CreatedDescending, LastWriteAscending, LastWriteDescending];

    public static RunSort Parse(string? sort) =>
        string.IsNullOrEmpty(sort)
            ? NameAscending
            : All.FirstOrDefault(s => s.Name == sort)
              ?? throw QueryProblemException.BadParameter("sort", "sort must be one of " + string.Join(", ", All.Select(s => s.Name)));
}
