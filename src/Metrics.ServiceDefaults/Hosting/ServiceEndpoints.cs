using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Metrics.ServiceDefaults.Hosting;

/// <summary>
/// The endpoints a service listens on, by name ("http", "grpc", "tensorboard"), with the address
/// Kestrel actually bound: a port of 0 becomes the port the system picked. <see cref="MetricsServiceAppExtensions.RunServiceAsync"/>
/// prints one line per endpoint, which is how a harness that started the service on port 0 learns its ports;
/// a test hosting a service in process asks <see cref="Address"/>.
/// </summary>
public sealed class ServiceEndpoints
{
    private readonly List<(string Name, ListenOptions Listen, bool Tls)> _endpoints = [];

    /// <summary>The bound address of endpoint <paramref name="name"/> (after the host has started).</summary>
    public Uri Address(string name) =>
        Bound.FirstOrDefault(e => e.Name == name).Address ?? throw new InvalidOperationException($"no {name} endpoint");

    /// <summary>Every endpoint with its bound address, in the order they were configured.</summary>
    public IReadOnlyList<(string Name, Uri Address)> Bound
    {
        get
        {
            lock (_endpoints)
            {
                return [.. _endpoints.Select(e => (e.Name, ToUri(e.Listen.IPEndPoint!, e.Tls)))];
            }
        }
    }

    /// <summary>The line printed for an endpoint: "metrics-ingest: grpc listening on http://127.0.0.1:40123".</summary>
    public static string Line(string service, string name, Uri address) =>
        string.Create(CultureInfo.InvariantCulture, $"{service}: {name} listening on {address.GetLeftPart(UriPartial.Authority)}");

    internal void Add(string name, ListenOptions listen, bool tls)
    {
        lock (_endpoints)
        {
            _endpoints.Add((name, listen, tls));
        }
    }

    private static Uri ToUri(IPEndPoint endpoint, bool tls)
    {
        var host = endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
        return new Uri(string.Create(CultureInfo.InvariantCulture, $"{(tls ? "https" : "http")}://{host}:{endpoint.Port}"));
    }
}
