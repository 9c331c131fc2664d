using Grpc.Core;
using Metrics.Contracts.V1;

namespace Metrics.Ingest.Grpc;

/// <summary>
/// metrics.v1.Ingest as Grpc.AspNetCore binds it (it finds <see cref="BindServiceMethodAttribute"/>
/// here before the generated IngestBase's). Grpc.AspNetCore deserializes a unary request before any
/// interceptor or handler runs, so bytes that are not the request message would end the call with
/// Unknown and an error-level stack trace; the unary methods here use
/// <see cref="ProtobufMarshallers.ParsedRequest"/> instead, which answers InvalidArgument. Streams keep
/// the plain marshaller: their handler reads each message itself and reports a bad one (docs/ingest.md).
/// A new rpc in proto/metrics/v1/ingest.proto must be added here too, or it answers Unimplemented.
/// </summary>
[BindServiceMethod(typeof(IngestServiceBase), nameof(BindService))]
internal abstract class IngestServiceBase
{
    private static readonly string ServiceName = Metrics.Contracts.V1.Ingest.Descriptor.FullName;

    private static readonly Method<OpenRunRequest, OpenRunResponse> OpenRunMethod = new(
        MethodType.Unary, ServiceName, nameof(OpenRun), ProtobufMarshallers.ParsedRequest(OpenRunRequest.Parser), ProtobufMarshallers.Plain(OpenRunResponse.Parser));

    private static readonly Method<WriteRequest, WriteResponse> WriteMethod = new(
        MethodType.DuplexStreaming, ServiceName, nameof(Write), ProtobufMarshallers.Plain(WriteRequest.Parser), ProtobufMarshallers.Plain(WriteResponse.Parser));

    public abstract Task<OpenRunResponse> OpenRun(OpenRunRequest request, ServerCallContext context);

    public abstract Task Write(IAsyncStreamReader<WriteRequest> requestStream, IServerStreamWriter<WriteResponse> responseStream, ServerCallContext context);

    /// <summary>Called by Grpc.AspNetCore (through the attribute) with a null <paramref name="service"/>: it resolves the methods by name.</summary>
    public static void BindService(ServiceBinderBase binder, IngestServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(OpenRunMethod, service is null ? null : service.OpenRun);
        binder.AddMethod(WriteMethod, service is null ? null : service.Write);
    }
}
