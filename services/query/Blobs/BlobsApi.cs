using System.Security.Claims;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Sampling;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Metrics.Query.Blobs;

/// <summary>
/// GET /runs/{runId}/blobs lists a blob-sequence series per step; GET /blobs/{blobId} serves the
/// bytes. Blobs are content-addressed, so the key is the ETag and they are cached forever; a
/// token sees a blob only when a run of its project references it (<see cref="BlobAccess"/>).
/// </summary>
internal static class BlobsApi
{
    private const string CacheForever = "public, max-age=31536000, immutable";

    public static RouteGroupBuilder MapBlobsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/blobs", ListAsync)
            .WithName("ListBlobs")
            .WithSummary("A blob-sequence series (images, audio, graph) per step: keys, sizes, content types, over a step range evenly sampled")
            .Produces<BlobSeries>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/blobs/{blobId}", GetAsync)
            .WithName("GetBlob")
            .WithSummary("A blob's bytes with its content type; ETag is the key, cached forever; If-None-Match gives 304")
            .Produces(StatusCodes.Status200OK, contentType: BlobContentTypes.Binary, additionalContentTypes: [BlobContentTypes.Png, BlobContentTypes.Wav, BlobContentTypes.Protobuf])
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<BlobSeries> ListAsync([AsParameters] SampledSeriesArguments arguments, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var read = await SampledSeriesRead.StartAsync(dataSource, user, PointTable.Blob, arguments, cancellationToken);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT p.step, p.wall_time, k.key, b.size, substring(b.content FROM 1 FOR {BlobContentTypes.SniffBytes})
            FROM blob_points p
            CROSS JOIN LATERAL unnest(p.blob_keys) WITH ORDINALITY AS k(key, ordinal)
            LEFT JOIN blobs b ON b.sha256 = k.key
            WHERE p.series_id = $1 AND p.step = ANY($2)
            ORDER BY p.step, k.ordinal
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = read.Series.SeriesId });
        command.Parameters.Add(new NpgsqlParameter { Value = read.Steps });
        var (kept, walls, blobs) = (new List<long>(), new List<double>(), new List<IReadOnlyList<BlobRef>>());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<BlobRef>? current = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var step = reader.GetInt64(0);
            if (current is null || kept[^1] != step)
            {
                kept.Add(step);
                walls.Add(reader.GetDouble(1));
                blobs.Add(current = []);
            }

            var key = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2));
            var head = reader.IsDBNull(4) ? [] : reader.GetFieldValue<byte[]>(4);
            current.Add(new BlobRef(key, reader.IsDBNull(3) ? null : reader.GetInt64(3), BlobContentTypes.Guess(read.Series.PluginName, head), $"{QueryApiEndpointExtensions.Prefix}/blobs/{key}"));
        }

        return new BlobSeries(arguments.RunId, read.Series.Tag, read.Series.PluginName, kept.Count < read.PointsInRange, read.PointsInRange, [.. kept], [.. walls], blobs);
    }

    private static async Task GetAsync(string blobId, ClaimsPrincipal user, HttpContext context, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (blobId.Length != 64 || !blobId.All(char.IsAsciiHexDigitLower))
        {
            throw QueryProblemException.BadParameter("blobId", "blobId must be 64 lowercase hex digits (a SHA-256)");
        }

        var key = Convert.FromHexString(blobId);
        var caller = Caller.From(user);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var plugin = await BlobAccess.FindPluginAsync(connection, caller.ProjectId, key, cancellationToken);
        if (plugin is null)
        {
            throw QueryProblemException.NotFound($"blob {blobId} not found", "blobId");
        }

        var etag = new EntityTagHeaderValue("\"" + blobId + "\"");
        var response = context.Response;
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } match && match.Any(m => m.Equals(EntityTagHeaderValue.Any) || m.Compare(etag, useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            SetCaching(response, etag);
            return;
        }

        await using var read = new NpgsqlCommand("SELECT size, content FROM blobs WHERE sha256 = $1", connection);
        read.Parameters.Add(new NpgsqlParameter { Value = key });
        await using var reader = await read.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw QueryProblemException.NotFound($"blob {blobId} is referenced but its bytes have not arrived yet", "blobId");
        }

        var size = reader.GetInt64(0);
        await using var content = await reader.GetStreamAsync(1, cancellationToken);
        var head = new byte[BlobContentTypes.SniffBytes];
        var headLength = await content.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        response.ContentType = BlobContentTypes.Guess(plugin, head.AsSpan(0, headLength));
        response.ContentLength = size;
        SetCaching(response, etag);
        await response.Body.WriteAsync(head.AsMemory(0, headLength), cancellationToken);
        await content.CopyToAsync(response.Body, cancellationToken);
    }

    private static void SetCaching(HttpResponse response, EntityTagHeaderValue etag)
    {
        var headers = response.GetTypedHeaders();
        headers.ETag = etag;
        response.Headers.CacheControl = CacheForever;
    }
}
