using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;

namespace Metrics.Query.Tests.TensorBoard;

/// <summary>Reading a fixture's expected.json and comparing provider answers with it.</summary>
internal static class TensorBoardJson
{
    /// <summary>Every series of one section ("scalars", "tensors", "blobs") as (plugin, run, tag, points).</summary>
    public static IEnumerable<(string Plugin, string Run, string Tag, List<JsonElement[]> Points)> Series(JsonElement root, string section) =>
        root.GetProperty(section).EnumerateObject()
            .SelectMany(plugin => plugin.Value.EnumerateObject()
                .SelectMany(run => run.Value.EnumerateObject()
                    .Select(tag => (plugin.Name, run.Name, tag.Name, tag.Value.EnumerateArray().Select(p => p.EnumerateArray().ToArray()).ToList()))));

    /// <summary>JSON with every number as its float64 value, so 2 and 2.0 compare equal.</summary>
    public static string Canonical(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(",", element.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.Number => element.GetDouble().ToString("R", CultureInfo.InvariantCulture),
        JsonValueKind.String => "'" + element.GetString() + "'",
        _ => element.GetRawText(),
    };

    /// <summary>The first 16 hex digits of the SHA-256 of a blob, as the fixtures name blobs.</summary>
    public static string Hash(byte[] blob) => Convert.ToHexStringLower(SHA256.HashData(blob))[..16];

    public static async Task<byte[]> ReadBlobAsync(TensorBoardDataProvider.TensorBoardDataProviderClient client, string key)
    {
        using var call = client.ReadBlob(new ReadBlobRequest { BlobKey = key });
        var bytes = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync())
        {
            chunk.Data.WriteTo(bytes);
        }

        return bytes.ToArray();
    }

    public static RunTagFilter Filter(string[]? runs = null, string[]? tags = null)
    {
        var filter = new RunTagFilter();
        if (runs is not null)
        {
            filter.Runs = new RunFilter();
            filter.Runs.Names.AddRange(runs);
        }

        if (tags is not null)
        {
            filter.Tags = new TagFilter();
            filter.Tags.Names.AddRange(tags);
        }

        return filter;
    }
}
