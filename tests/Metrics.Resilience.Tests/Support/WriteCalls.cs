using Grpc.Core;
using Metrics.Contracts.V1;

namespace Metrics.Resilience.Tests.Support;

/// <summary>Drives one Write stream to its end and returns its status, asserting that nothing was acknowledged.</summary>
internal static class WriteCalls
{
    public static async Task<Status> RefusedStatusAsync(IngestClient client, Metadata headers, params WriteRequest[] requests)
    {
        using var call = client.Write(headers);
        try
        {
            foreach (var request in requests)
            {
                await call.RequestStream.WriteAsync(request);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException or IOException)
        {
            // The server ended the call while this side was still sending: its status says why.
        }

        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                Assert.NotEqual(WriteResponse.KindOneofCase.Ack, call.ResponseStream.Current.KindCase);
            }

            return call.GetStatus();
        }
        catch (RpcException e)
        {
            return e.Status;
        }
    }
}
