namespace Metrics.Storage.Writes;

/// <summary>Whether a writer may write to a run.</summary>
public enum WriterOpenStatus
{
    Opened,
    RunNotFound,
    OtherProject,
}
