using Grpc.Core;
using Metrics.Contracts.V1;

namespace Metrics.Ingest.Tests;

/// <summary>One Write stream as a training writer drives it.</summary>
internal sealed class TestWriter : IDisposable
{
    private readonly AsyncDuplexStreamingCall<WriteRequest, WriteResponse> _call;

    private TestWriter(AsyncDuplexStreamingCall<WriteRequest, WriteResponse> call, ulong resume)
    {
        _call = call;
        Resume = resume;
    }

    public ulong Resume { get; }

    public static async Task<TestWriter> OpenAsync(Metrics.Contracts.V1.Ingest.IngestClient client, string token, long runId, string writerId, CancellationToken cancellationToken = default)
    {
        var call = client.Write(IngestServer.Bearer(token), cancellationToken: cancellationToken);
        await call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = writerId } }, cancellationToken);
        if (!await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            call.Dispose();
            throw new InvalidOperationException("stream ended before Resume");
        }

        return new TestWriter(call, call.ResponseStream.Current.Resume.LastCommittedSeq);
    }

    public Task SendAsync(Batch batch) => _call.RequestStream.WriteAsync(new WriteRequest { Batch = batch });

    public Task SendHeaderAgainAsync(long runId, string writerId) =>
        _call.RequestStream.WriteAsync(new WriteRequest { Header = new WriteHeader { RunId = runId, WriterId = writerId } });

    public async Task<ulong> NextAckAsync()
    {
        if (!await _call.ResponseStream.MoveNext(CancellationToken.None))
        {
            throw new InvalidOperationException("stream ended; status " + _call.GetStatus());
        }

        return _call.ResponseStream.Current.Ack.Seq;
    }

    /// <summary>Half-closes and reads the remaining acks; returns them (throws RpcException when the stream fails).</summary>
    public async Task<List<ulong>> CompleteAsync()
    {
        await _call.RequestStream.CompleteAsync();
        var acks = new List<ulong>();
        while (await _call.ResponseStream.MoveNext(CancellationToken.None))
        {
            acks.Add(_call.ResponseStream.Current.Ack.Seq);
        }

        return acks;
    }

    /// <summary>Half-closes (when the call is still open), then reads acks until the stream ends.</summary>
    public async Task<(List<ulong> Acks, Status Status)> CompleteAndDrainAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The server already ended the call.
        }

        return await DrainAsync();
    }

    /// <summary>Reads acks until the stream ends; returns them and the final status.</summary>
    public async Task<(List<ulong> Acks, Status Status)> DrainAsync()
    {
        var acks = new List<ulong>();
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                acks.Add(_call.ResponseStream.Current.Ack.Seq);
            }

            return (acks, _call.GetStatus());
        }
        catch (RpcException e)
        {
            return (acks, e.Status);
        }
    }

    public void Dispose() => _call.Dispose();
}
