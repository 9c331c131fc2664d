using System.Globalization;
using System.Net;
using Metrics.LocalStack;

namespace Metrics.Cli.Tests.Support;

/// <summary>
/// A real HTTP server on loopback answering fixed responses by path: stands in for a query service
/// that misbehaves (a compromised or buggy one), which the real service cannot be made to be.
/// </summary>
internal sealed class StaticHttpServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly IReadOnlyDictionary<string, (string ContentType, byte[] Body)> _responses;
    private readonly Task _loop;

    public StaticHttpServer(IReadOnlyDictionary<string, (string ContentType, byte[] Body)> responses)
    {
        _responses = responses;
        // HttpListener cannot bind port 0: a candidate port, and the next one when it is taken.
        (_listener, Url) = LoopbackPorts.Bind(port =>
        {
            var url = "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/";
            var listener = new HttpListener();
            listener.Prefixes.Add(url);
            try
            {
                listener.Start();
                return (listener, url);
            }
            catch (HttpListenerException)
            {
                listener.Close();
                throw;
            }
        }, e => e is HttpListenerException);
        _loop = ServeAsync();
    }

    public string Url { get; }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
            // Closing the listener ends the loop's pending accept.
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            var context = await _listener.GetContextAsync();
            var path = context.Request.Url!.AbsolutePath;
            var (contentType, body) = _responses.TryGetValue(path, out var found)
                ? found
                : ("application/problem+json", """{"title":"not found"}"""u8.ToArray());
            context.Response.StatusCode = found.Body is null ? 404 : 200;
            context.Response.ContentType = contentType;
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
        }
    }
}
