using Grpc.Core;
using Grpc.Core.Interceptors;
using Metrics.Ingest.Writing;
using Metrics.Storage;

namespace Metrics.Ingest.Auth;

/// <summary>
/// Every Ingest call needs `authorization: Bearer &lt;token&gt;` metadata with a write (or admin)
/// token: missing or unknown tokens get Unauthenticated, read tokens PermissionDenied. The
/// token's identity (its project) is then available to the call through <see cref="CallIdentity"/>.
/// </summary>
internal sealed class TokenAuthInterceptor(TokenStore tokens, StoragePipeline storage) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(request, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream,
        ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthenticateAsync(context);
        await continuation(request, responseStream, context);
    }

    private async Task AuthenticateAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        const string scheme = "Bearer ";
        if (header is null || !header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing `authorization: Bearer <token>` metadata"));
        }

        TokenIdentity? identity;
        try
        {
            var token = header[scheme.Length..].Trim();
            identity = await storage.ExecuteAsync(ct => new ValueTask<TokenIdentity?>(tokens.AuthenticateAsync(token, ct)), context.CancellationToken);
        }
        catch (Exception e) when (StoragePipeline.IsUnavailable(e))
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "storage is unavailable; retry later"));
        }

        if (identity is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "the token is unknown, expired or revoked"));
        }

        if (!identity.Allows(TokenScope.Write))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, $"this token may only read project '{identity.ProjectName}'; writing needs a write or admin token"));
        }

        CallIdentity.Set(context, identity);
    }
}
