using System.Formats.Tar;
using System.IO.Compression;
using Metrics.TensorBoard;
using Npgsql;

namespace Metrics.Export;

/// <summary>
/// A run's (or a project's) logdir as a .tar.gz, streamed: each run is written to one event file in
/// a temporary folder (the same encodings as the continuous exporter, one generation), then added
/// as <c>&lt;run name&gt;/&lt;file&gt;</c>. Extracted into a folder, it is a logdir TensorBoard reads.
/// </summary>
public sealed class LogdirArchive(NpgsqlDataSource dataSource)
{
    /// <summary>Writes run <paramref name="runId"/>; false (nothing written) if there is no such run.</summary>
    public async Task<bool> WriteRunAsync(long runId, Stream output, CancellationToken cancellationToken)
    {
        var source = new RunPointSource(dataSource);
        if (await source.GetRunAsync(runId, cancellationToken) is not { } run)
        {
            return false;
        }

        await WriteAsync([run], output, cancellationToken);
        return true;
    }

    /// <summary>Writes every run of <paramref name="project"/> (an empty archive for a project without runs).</summary>
    public async Task WriteProjectAsync(string project, Stream output, CancellationToken cancellationToken)
    {
        var runs = await new RunPointSource(dataSource).GetProjectRunsAsync(project, cancellationToken);
        await WriteAsync(runs, output, cancellationToken);
    }

    private async Task WriteAsync(IReadOnlyList<RunInfo> runs, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var source = new RunPointSource(dataSource);
        var temp = Directory.CreateTempSubdirectory("metrics-export-");
        try
        {
            await using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
            await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
            foreach (var run in runs)
            {
                // The same rule as the exporter's: the entry names are safe folder paths.
                LogdirPaths.RunFolder(temp.FullName, null, run.Name);
                var folder = Directory.CreateDirectory(Path.Combine(temp.FullName, run.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                string path;
                var series = await source.GetSeriesAsync(run.RunId, cancellationToken);
                var merger = await source.OpenAsync(series, new Dictionary<long, long>(), cancellationToken);
                using (var writer = EventFileWriter.Create(folder.FullName, new EventFileWriterOptions { MaxQueue = 10_000 }))
                {
                    path = writer.FilePath;
                    await RunEventWriter.WriteRunAsync(writer, source, run.RunId, series, merger, cancellationToken);
                }

                await tar.WriteEntryAsync(path, run.Name + "/" + Path.GetFileName(path), cancellationToken);
                File.Delete(path);
            }
        }
        finally
        {
            temp.Delete(recursive: true);
        }
    }
}
