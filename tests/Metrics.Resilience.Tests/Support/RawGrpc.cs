using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;

namespace Metrics.Resilience.Tests.Support;

/// <summary>
/// gRPC calls made by hand over HTTP/2 cleartext, so a test can send any bytes as messages: a
/// frame is a compressed flag, a big-endian length and the message bytes.
/// </summary>
internal sealed class RawGrpc(int port, string token) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }) { Timeout = TimeSpan.FromSeconds(60) };

    public static byte[] Frame(ReadOnlySpan<byte> message, bool compressed = false, uint? claimedLength = null)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), claimedLength ?? (uint)message.Length);
        message.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>Posts <paramref name="body"/> to /metrics.v1.Ingest/<paramref name="method"/>; returns the HTTP status and grpc-status (null when none came).</summary>
    public async Task<(HttpStatusCode Http, string? GrpcStatus, string? Message)> CallAsync(string method, byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}/metrics.v1.Ingest/{method}"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + token);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
        string? Header(string name) =>
            response.TrailingHeaders.TryGetValues(name, out var t) ? t.First()
            : response.Headers.TryGetValues(name, out var h) ? h.First() : null;
        return (response.StatusCode, Header("grpc-status"), Header("grpc-message"));
    }

    public void Dispose() => _http.Dispose();
}
