namespace Metrics.Query.TensorBoard;

/// <summary>
/// What an experiment id serves: "" (TensorBoard's root page) every allowed project, its runs
/// named "&lt;project&gt;/&lt;run&gt;" as a logdir of the exporter's root names them; "&lt;project&gt;"
/// that project's runs under their own names.
/// </summary>
internal sealed record TensorBoardExperiment(string Id, IReadOnlyList<TensorBoardProject> Projects)
{
    public bool PrefixesRuns => Id.Length == 0;

    public long[] ProjectIds => [.. Projects.Select(p => p.ProjectId)];

    public string RunName(string project, string run) => PrefixesRuns ? project + "/" + run : run;
}
