using Grpc.Core;

namespace Metrics.Client.Internal;

/// <summary>A failed attempt to reach the server in one line: the gRPC status, its detail and the root cause (refused, TLS, DNS …).</summary>
internal static class ConnectionErrors
{
    public static string Describe(Exception error)
    {
        if (error is RpcException rpc)
        {
            var detail = rpc.Status.Detail;
            var cause = Innermost(rpc.Status.DebugException)?.Message;
            var text = string.IsNullOrEmpty(detail) ? cause ?? string.Empty
                : cause is null || detail.Contains(cause, StringComparison.Ordinal) ? detail
                : detail + " (" + cause + ")";
            return text.Length == 0 ? rpc.StatusCode.ToString() : rpc.StatusCode + ": " + text;
        }

        var root = Innermost(error)!;
        return ReferenceEquals(root, error) ? error.Message : error.Message + " (" + root.Message + ")";
    }

    private static Exception? Innermost(Exception? error)
    {
        while (error?.InnerException is { } inner)
        {
            error = inner;
        }

        return error;
    }
}
