using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Metrics.LocalStack;

/// <summary>
/// A port on 127.0.0.1 that refuses connections, held while this object lives: a socket bound to
/// it that never listens, so no other program can take the port meanwhile (<see cref="LoopbackPorts.Refusing"/>).
/// </summary>
public sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    internal RefusingPort()
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    public int Port { get; }

    /// <summary>http://127.0.0.1:&lt;port&gt;</summary>
    public Uri Url => new("http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture));

    public void Dispose() => _socket.Dispose();
}
