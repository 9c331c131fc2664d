namespace Metrics.Export;

/// <summary>What <see cref="DeletedRunFolders.Remove"/> did for a deleted run: event files removed from <see cref="Folder"/>, and whether the (then empty) folder went too.</summary>
public sealed record DeletedRunRemoval(RunManifest Manifest, string Folder, int FilesRemoved, bool FolderRemoved);
