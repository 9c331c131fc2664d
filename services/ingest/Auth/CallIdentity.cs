using Grpc.Core;
using Metrics.Storage;

namespace Metrics.Ingest.Auth;

/// <summary>The authenticated token of a call, put there by <see cref="TokenAuthInterceptor"/>.</summary>
internal static class CallIdentity
{
    private const string Key = "metrics.identity";

    public static void Set(ServerCallContext context, TokenIdentity identity) => context.UserState[Key] = identity;

    public static TokenIdentity Get(ServerCallContext context) =>
        context.UserState.TryGetValue(Key, out var value) && value is TokenIdentity identity
            ? identity
            : throw new RpcException(new Status(StatusCode.Unauthenticated, "the call was not authenticated"));
}
