namespace Metrics.Query.Runs;

/// <summary>Which column a sort's cursor carries besides the run id.</summary>
internal enum RunSortKey
{
    Name,
    RunId,
    LastWrite,
}
