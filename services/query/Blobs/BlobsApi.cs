using System.Security.Claims;
using Metrics.Query.Auth;
using Metrics.Query.Errors;
using Metrics.Query.Sampling;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Metrics.Query.Blobs;

/// <summary>
/// GET /runs/{runId}/blobs lists a blob-sequence series per step (images and audio as images and
/// clips, other series as raw blobs), each with a short-lived signed URL; GET /blobs/{blobId} serves the
/// bytes, to a token or to a valid signature of that blob. Blobs are content-addressed, so the key is the ETag and they are cached forever; a
/// token sees a blob only when a run of its project references it (<see cref="BlobAccess"/>).
/// </summary>
internal static class BlobsApi
{
    private const string CacheForever = "public, max-age=31536000, immutable";
    private const int SmallBlobBytes = 256;

    public static RouteGroupBuilder MapBlobsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/runs/{runId:long}/blobs", ListAsync)
            .WithName("ListBlobs")
            .WithSummary("A blob-sequence series (images, audio, graph) per step: keys, sizes, content types, over a step range evenly sampled")
            .Produces<BlobSeries>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/blobs/{blobId}", GetAsync)
            .AllowAnonymous()
            .WithName("GetBlob")
            .WithSummary("A blob's bytes with its content type; ETag is the key, cached forever; If-None-Match gives 304. With the Authorization header, or without one through a listing's signed_url (signature=…), which opens only that blob until it expires")
            .Produces(StatusCodes.Status200OK, contentType: BlobContentTypes.Binary, additionalContentTypes: [BlobContentTypes.Png, BlobContentTypes.Wav, BlobContentTypes.Protobuf])
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<BlobSeries> ListAsync([AsParameters] SampledSeriesArguments arguments, ClaimsPrincipal user, NpgsqlDataSource dataSource, BlobUrlSigner signer, CancellationToken cancellationToken)
    {
        var read = await SampledSeriesRead.StartAsync(dataSource, user, PointTable.Blob, arguments, cancellationToken);
        var projectId = Caller.From(user).ProjectId;
        // Small blobs whole (an image's width and height, an audio clip's label), others their first bytes for the content type.
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT p.step, p.wall_time, k.key, b.size,
                   CASE WHEN b.size <= {SmallBlobBytes} THEN b.content ELSE substring(b.content FROM 1 FOR {BlobContentTypes.SniffBytes}) END
            FROM blob_points p
            CROSS JOIN LATERAL unnest(p.blob_keys) WITH ORDINALITY AS k(key, ordinal)
            LEFT JOIN blobs b ON b.sha256 = k.key
            WHERE p.series_id = $1 AND p.step = ANY($2)
            ORDER BY p.step, k.ordinal
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = read.Series.SeriesId });
        command.Parameters.Add(new NpgsqlParameter { Value = read.Steps });
        var (kept, walls, steps) = (new List<long>(), new List<double>(), new List<List<StoredBlob>>());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<StoredBlob>? current = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            var step = reader.GetInt64(0);
            if (current is null || kept[^1] != step)
            {
                kept.Add(step);
                walls.Add(reader.GetDouble(1));
                steps.Add(current = []);
            }

            var key = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(2));
            var size = reader.IsDBNull(3) ? (long?)null : reader.GetInt64(3);
            var head = reader.IsDBNull(4) ? [] : reader.GetFieldValue<byte[]>(4);
            var (signedUrl, expiresAt) = signer.Sign(key, projectId);
            current.Add(new StoredBlob(
                new BlobRef(key, size, BlobContentTypes.Guess(read.Series.PluginName, head), $"{QueryApiEndpointExtensions.Prefix}/blobs/{key}", signedUrl, expiresAt),
                size is { } n && n <= SmallBlobBytes ? head : null));
        }

        var (downsampled, pointsInRange) = (kept.Count < read.PointsInRange, read.PointsInRange);
        return read.Series.PluginName switch
        {
            "images" => new BlobSeries(arguments.RunId, read.Series.Tag, read.Series.PluginName, downsampled, pointsInRange, [.. kept], [.. walls], null, [.. steps.Select(Images)], null),
            "audio" => new BlobSeries(arguments.RunId, read.Series.Tag, read.Series.PluginName, downsampled, pointsInRange, [.. kept], [.. walls], null, null, [.. steps.Select(Sounds)]),
            _ => new BlobSeries(arguments.RunId, read.Series.Tag, read.Series.PluginName, downsampled, pointsInRange, [.. kept], [.. walls], [.. steps.Select(s => (IReadOnlyList<BlobRef>)[.. s.Select(b => b.Ref)])], null, null),
        };
    }

    // TensorBoard's image summary: [width, height, encoded image…], the sizes as decimal strings.
    private static IReadOnlyList<BlobImage> Images(List<StoredBlob> blobs)
    {
        var hasSizes = blobs.Count >= 2 && blobs[0].Number is not null && blobs[1].Number is not null;
        var (width, height) = hasSizes ? (blobs[0].Number, blobs[1].Number) : (null, null);
        return [.. blobs.Skip(hasSizes ? 2 : 0).Select(b => new BlobImage(width, height, b.Ref.ContentType, b.Ref.Size, b.Ref.Key, b.Ref.Url, b.Ref.SignedUrl, b.Ref.SignedUrlExpiresAt))];
    }

    // TensorBoard's audio summary: [k, 2] of (wav, label), flattened; a clip may come without its label.
    private static IReadOnlyList<BlobSound> Sounds(List<StoredBlob> blobs)
    {
        var sounds = new List<BlobSound>();
        for (var i = 0; i < blobs.Count; i++)
        {
            var clip = blobs[i].Ref;
            string? label = null;
            if (i + 1 < blobs.Count && blobs[i + 1].Ref.ContentType != BlobContentTypes.Wav && blobs[i + 1].Text is { } text)
            {
                label = text;
                i++;
            }

            sounds.Add(new BlobSound(label, clip.ContentType, clip.Size, clip.Key, clip.Url, clip.SignedUrl, clip.SignedUrlExpiresAt));
        }

        return sounds;
    }

    /// <summary>A listed blob and, when small, its bytes (an image's width or height, a clip's label).</summary>
    private sealed record StoredBlob(BlobRef Ref, byte[]? Content)
    {
        public string? Text => Content is { } bytes && System.Text.Unicode.Utf8.IsValid(bytes) ? System.Text.Encoding.UTF8.GetString(bytes) : null;

        public int? Number => int.TryParse(Text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    private static async Task GetAsync(
        string blobId,
        [FromQuery(Name = "signature")] string? signature,
        ClaimsPrincipal user,
        HttpContext context,
        NpgsqlDataSource dataSource,
        BlobUrlSigner signer,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        // Either the Authorization header or a signed URL: the route allows anonymous callers for the latter.
        long projectId;
        long? signedUntil = null;
        if (signature is null)
        {
            if (user.Identity?.IsAuthenticated != true)
            {
                await context.ChallengeAsync(BearerTokenHandler.SchemeName);
                return;
            }

            projectId = Caller.From(user).ProjectId;
        }
        else
        {
            var (signedProject, expiresAt, refusal) = signer.Check(blobId, signature);
            if (refusal is not null)
            {
                throw new QueryProblemException(StatusCodes.Status403Forbidden, "Forbidden", refusal, "signature");
            }

            projectId = signedProject;
            signedUntil = expiresAt;
        }

        if (blobId.Length != 64 || !blobId.All(char.IsAsciiHexDigitLower))
        {
            throw QueryProblemException.BadParameter("blobId", "blobId must be 64 lowercase hex digits (a SHA-256)");
        }

        var key = Convert.FromHexString(blobId);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var plugin = await BlobAccess.FindPluginAsync(connection, projectId, key, cancellationToken);
        if (plugin is null)
        {
            throw QueryProblemException.NotFound($"blob {blobId} not found", "blobId");
        }

        var etag = new EntityTagHeaderValue("\"" + blobId + "\"");
        var response = context.Response;
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } match && match.Any(m => m.Equals(EntityTagHeaderValue.Any) || m.Compare(etag, useStrongComparison: false)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            SetCaching(response, etag, signedUntil, time);
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
        SetCaching(response, etag, signedUntil, time);
        await response.Body.WriteAsync(head.AsMemory(0, headLength), cancellationToken);
        await content.CopyToAsync(response.Body, cancellationToken);
    }

    // A signed answer is cached privately and only until the signature expires: a shared cache must not
    // go on serving it to anyone holding the URL.
    private static void SetCaching(HttpResponse response, EntityTagHeaderValue etag, long? signedUntil, TimeProvider time)
    {
        var headers = response.GetTypedHeaders();
        headers.ETag = etag;
        response.Headers.CacheControl = signedUntil is { } until
            ? "private, max-age=" + Math.Max(0, until - time.GetUtcNow().ToUnixTimeSeconds()).ToString(System.Globalization.CultureInfo.InvariantCulture)
            : CacheForever;
    }
}
