using Grpc.Core;
using Grpc.Core.Interceptors;
using Npgsql;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// Database faults as the statuses TensorBoard's client understands, as the REST API answers 503
/// and 504: a timed-out query is DEADLINE_EXCEEDED, an unreachable database UNAVAILABLE (not
/// UNKNOWN with a stack trace).
/// </summary>
internal sealed partial class DatabaseFaultInterceptor(ILogger<DatabaseFaultInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (Translate(e) is { } status)
        {
            LogFault(logger, context.Method, status.StatusCode, e);
            throw new RpcException(status);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (Translate(e) is { } status)
        {
            LogFault(logger, context.Method, status.StatusCode, e);
            throw new RpcException(status);
        }
    }

    private static Status? Translate(Exception exception) => exception switch
    {
        TimeoutException or NpgsqlException { InnerException: TimeoutException } or PostgresException { SqlState: PostgresErrorCodes.QueryCanceled } =>
            new Status(StatusCode.DeadlineExceeded, "the query took longer than METRICS_DATABASE_COMMAND_TIMEOUT_SECONDS"),
        NpgsqlException => new Status(StatusCode.Unavailable, "the database is not reachable; retry later"),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "TensorBoard {Method} answered {Status} after a database fault")]
    private static partial void LogFault(ILogger logger, string method, StatusCode status, Exception exception);
}
