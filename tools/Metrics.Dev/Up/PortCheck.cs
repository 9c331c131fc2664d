using System.Net;
using System.Net.Sockets;

namespace Metrics.Dev.Up;

/// <summary>
/// The ports `up` was asked for, checked before anything starts: a taken one is named with the
/// flag that moves it, instead of a service that fails and restarts behind a log file.
/// </summary>
internal static class PortCheck
{
    /// <summary>The first port of <paramref name="wanted"/> that cannot be bound on 127.0.0.1, or null.</summary>
    public static (int Port, string What, string Flag)? FirstBusy(IEnumerable<(int Port, string What, string Flag)> wanted)
    {
        // 0 asks a service to pick a free port itself: nothing to check.
        foreach (var port in wanted.Where(p => p.Port != 0))
        {
            if (!CanBind(port.Port))
            {
                return port;
            }
        }

        return null;
    }

    private static bool CanBind(int port)
    {
        // Binding 127.0.0.1 fails as well when another process listens on every address (0.0.0.0).
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
