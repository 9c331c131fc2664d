using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Metrics.Export;
using Metrics.TensorBoard;

namespace Metrics.Cli.Export;

/// <summary>
/// Lists a project's runs (GET /api/v1/projects/{project}/runs, cursor pages) and unpacks each
/// run's GET /api/v1/runs/{runId}/logdir.tar.gz under the output folder. Every entry goes through
/// <see cref="LogdirPaths.ArchiveEntryPath"/> (no escape, no symlinks) and must belong to its run;
/// a run's old event files in the output are replaced, so exporting again never doubles points.
/// </summary>
internal sealed class LogdirDownloader(Uri query, string token) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
    {
        BaseAddress = query,
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    public void Dispose() => _http.Dispose();

    /// <summary>Returns the number of runs written.</summary>
    public async Task<int> ExportAsync(string project, string? run, string output, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(output);
        var runs = await ListRunsAsync(project, run, cancellationToken);
        if (run is not null && runs.Count == 0)
        {
            throw new IOException("run '" + run + "' not found in project " + project);
        }

        foreach (var (runId, name) in runs)
        {
            await DownloadRunAsync(runId, name, output, cancellationToken);
        }

        return runs.Count;
    }

    private async Task<List<(long RunId, string Name)>> ListRunsAsync(string project, string? run, CancellationToken cancellationToken)
    {
        var runs = new List<(long, string)>();
        string? cursor = null;
        do
        {
            var url = "api/v1/projects/" + Uri.EscapeDataString(project) + "/runs?limit=1000"
                + (run is null ? "" : "&name=" + Uri.EscapeDataString(run))
                + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            using var response = await _http.GetAsync(url, cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
            using var page = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            foreach (var item in page.RootElement.GetProperty("runs").EnumerateArray())
            {
                runs.Add((item.GetProperty("run_id").GetInt64(), item.GetProperty("name").GetString()!));
            }

            cursor = page.RootElement.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return runs;
    }

    private async Task DownloadRunAsync(long runId, string name, string output, CancellationToken cancellationToken)
    {
        // Checked before anything is deleted or written.
        var folder = LogdirPaths.RunFolder(output, null, name, create: true);
        using var response = await _http.GetAsync("api/v1/runs/" + runId.ToString(CultureInfo.InvariantCulture) + "/logdir.tar.gz", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var gzip = new GZipStream(body, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var replaced = false;
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !entry.Name.StartsWith(name + "/", StringComparison.Ordinal))
            {
                throw new InvalidDataException("unexpected entry '" + entry.Name + "' in the archive of run " + name);
            }

            var path = LogdirPaths.ArchiveEntryPath(output, entry.Name, create: true);
            if (!replaced)
            {
                foreach (var old in EventFiles.List(folder))
                {
                    File.Delete(old);
                }

                replaced = true;
            }

            await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            if (entry.DataStream is { } data)
            {
                await data.CopyToAsync(file, cancellationToken);
            }
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException(
                (int)response.StatusCode + " " + response.ReasonPhrase + " from " + response.RequestMessage?.RequestUri + (detail.Length > 0 ? ": " + detail[..Math.Min(300, detail.Length)] : ""));
        }
    }
}
