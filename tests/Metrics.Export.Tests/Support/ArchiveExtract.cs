using System.Formats.Tar;
using System.IO.Compression;
using Metrics.Export;

namespace Metrics.Export.Tests.Support;

/// <summary>What `metrics export` does with each logdir archive: every entry through the path rule.</summary>
internal static class ArchiveExtract
{
    public static async Task<List<string>> ExtractAsync(Stream archive, string output)
    {
        var names = new List<string>();
        await using var gzip = new GZipStream(archive, CompressionMode.Decompress);
        await using var tar = new TarReader(gzip);
        while (await tar.GetNextEntryAsync() is { } entry)
        {
            var path = LogdirPaths.ArchiveEntryPath(output, entry.Name, create: true);
            await entry.ExtractToFileAsync(path, overwrite: false);
            names.Add(entry.Name);
        }

        return names;
    }
}
