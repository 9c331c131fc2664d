using Grpc.Core;
using Metrics.Ingest.Writing;
using Metrics.Storage.Writes;

namespace Metrics.Ingest.Grpc;

/// <summary>How failures become gRPC statuses.</summary>
internal static class Statuses
{
    public static Status Invalid(string field, string message) => new(StatusCode.InvalidArgument, field + ": " + message);

    public static RpcException InvalidException(string field, string message) => new(Invalid(field, message));

    public static Status Rejected(BatchResult result) => Invalid(result.Field ?? "batch", result.Message ?? "rejected");

    public static Status StorageUnavailable { get; } = new(StatusCode.Unavailable, "storage is unavailable; reconnect and resend from the last acked seq");

    public static Status ShuttingDown { get; } = new(StatusCode.Unavailable, "the server is shutting down; reconnect and resend from the last acked seq");

    /// <summary>A commit that failed: retryable storage trouble is Unavailable, anything else Internal.</summary>
    public static Status FromCommitFailure(Exception exception) =>
        exception is System.Threading.Channels.ChannelClosedException ? ShuttingDown
        : StoragePipeline.IsUnavailable(exception) ? StorageUnavailable
        : new Status(StatusCode.Internal, "the commit failed: " + exception.GetType().Name);
}
