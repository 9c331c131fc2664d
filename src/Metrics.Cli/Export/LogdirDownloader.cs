using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Metrics.Export;

namespace Metrics.Cli.Export;

/// <summary>
/// Lists a project's runs (GET /api/v1/projects/{project}/runs, cursor pages) and unpacks each
/// run's GET /api/v1/runs/{runId}/logdir.tar.gz into an <see cref="ExportFolder"/>. All or nothing:
/// every archive is downloaded and checked (only regular event files of that run, each path through
/// <see cref="LogdirPaths"/>: no escape, no symlinks) before any run's folder is touched; a refusal
/// or failure leaves the output folder as it was.
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
        var folder = ExportFolder.Open(output, project);
        var runs = await ListRunsAsync(project, run, cancellationToken);
        if (run is not null && runs.Count == 0)
        {
            throw new IOException("run '" + run + "' not found in project " + project);
        }

        foreach (var listed in runs)
        {
            // Name rules (and no symlink already on the way) before anything is written.
            LogdirPaths.RunFolder(folder.Root, null, listed.Name);
        }

        var staging = folder.CreateStaging();
        try
        {
            var staged = new List<(string Run, IReadOnlyList<StagedEventFile> Files)>();
            foreach (var listed in runs)
            {
                staged.Add((listed.Name, await DownloadRunAsync(listed, folder.Root, staging, cancellationToken)));
            }

            foreach (var (name, files) in staged)
            {
                folder.Commit(name, files);
            }
        }
        catch
        {
            folder.Discard();
            throw;
        }

        folder.Finish();
        return runs.Count;
    }

    private async Task<List<ExportedRun>> ListRunsAsync(string project, string? run, CancellationToken cancellationToken)
    {
        var runs = new List<ExportedRun>();
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
                runs.Add(new ExportedRun(item.GetProperty("run_id").GetInt64(), item.GetProperty("name").GetString()!));
            }

            cursor = page.RootElement.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return runs;
    }

    // Unpacks the run's archive into the staging folder only; entries are checked as they come.
    private async Task<IReadOnlyList<StagedEventFile>> DownloadRunAsync(ExportedRun run, string root, string staging, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync("api/v1/runs/" + run.RunId.ToString(CultureInfo.InvariantCulture) + "/logdir.tar.gz", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var gzip = new GZipStream(body, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        var files = new List<StagedEventFile>();
        while (await tar.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var fileName = entry.Name[(entry.Name.LastIndexOf('/') + 1)..];
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                || entry.Name != run.Name + "/" + fileName
                || !LogdirPaths.IsEventFileName(fileName)
                || files.Any(f => f.FileName == fileName))
            {
                throw new InvalidDataException("refusing the archive of run " + run.Name + ": unexpected " + entry.EntryType + " entry '" + entry.Name + "'");
            }

            // Throws for a symlink (or a folder) already where it would go.
            LogdirPaths.ArchiveEntryPath(root, entry.Name);
            var staged = Path.Combine(staging, Path.GetRandomFileName() + ".part");
            await using (var file = new FileStream(staged, FileMode.CreateNew, FileAccess.Write))
            {
                if (entry.DataStream is { } data)
                {
                    await data.CopyToAsync(file, cancellationToken);
                }
            }

            files.Add(new StagedEventFile(fileName, staged));
        }

        return files.Count > 0 ? files : throw new InvalidDataException("the archive of run " + run.Name + " holds no event file");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = body.Length > 0 ? ": " + ProblemDetail(body) : "";
        var hint = response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => " (check --token: a read token of the project)",
            HttpStatusCode.NotFound => " (check --project: it must be the token's project)",
            _ => "",
        };
        throw new HttpRequestException(
            (int)response.StatusCode + " " + response.ReasonPhrase + " from " + response.RequestMessage?.RequestUri + detail + hint,
            null,
            response.StatusCode);
    }

    // problem+json's detail (or title); else the body's start.
    private static string ProblemDetail(string body)
    {
        try
        {
            using var problem = JsonDocument.Parse(body);
            foreach (var name in new[] { "detail", "title" })
            {
                if (problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty(name, out var text) && text.ValueKind == JsonValueKind.String)
                {
                    return text.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: show it as is.
        }

        return body[..Math.Min(300, body.Length)];
    }
}
