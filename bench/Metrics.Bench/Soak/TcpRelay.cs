using System.Net;
using System.Net.Sockets;

namespace Metrics.Bench.Soak;

/// <summary>
/// A TCP relay on loopback in front of one or more backends (as a Kubernetes Service in front of
/// ingest replicas): each new connection goes to the next backend that accepts it, round robin.
/// <see cref="CutAll"/> resets every open connection at once, as a network fault does mid-batch.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IReadOnlyList<int> _backends;
    private readonly HashSet<Socket> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _next;
    private long _connections;
    private long _cuts;

    public TcpRelay(IReadOnlyList<int> backendPorts)
    {
        _backends = backendPorts;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptLoopAsync();
    }

    public int Port { get; }

    public Uri Url => new("http://127.0.0.1:" + Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Client connections accepted so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Connections reset by <see cref="CutAll"/>.</summary>
    public long Cuts => Interlocked.Read(ref _cuts);

    /// <summary>Resets (RST) every open connection, client and backend side.</summary>
    public int CutAll()
    {
        Socket[] open;
        lock (_open)
        {
            open = [.. _open];
            _open.Clear();
        }

        foreach (var socket in open)
        {
            Reset(socket);
        }

        Interlocked.Add(ref _cuts, open.Length / 2);
        return open.Length / 2;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var backend = await ConnectAsync();
        if (backend is null)
        {
            Reset(client);
            return;
        }

        client.NoDelay = true;
        backend.NoDelay = true;
        lock (_open)
        {
            _open.Add(client);
            _open.Add(backend);
        }

        await Task.WhenAny(PumpAsync(client, backend), PumpAsync(backend, client));
        lock (_open)
        {
            _open.Remove(client);
            _open.Remove(backend);
        }

        Reset(client);
        Reset(backend);
    }

    private async Task<Socket?> ConnectAsync()
    {
        var first = Interlocked.Increment(ref _next);
        for (var i = 0; i < _backends.Count; i++)
        {
            var port = _backends[(int)((uint)(first + i) % (uint)_backends.Count)];
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return socket;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
        }

        return null;
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (read == 0)
                {
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Either side went away (or was cut): the relay closes both.
        }
    }
}
