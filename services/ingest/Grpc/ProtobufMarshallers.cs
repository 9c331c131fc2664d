using Google.Protobuf;
using Grpc.Core;

namespace Metrics.Ingest.Grpc;

/// <summary>gRPC marshallers of protobuf messages, as Grpc.Tools generates them, plus one that reports an unparseable request as the caller's fault.</summary>
internal static class ProtobufMarshallers
{
    public static Marshaller<T> Plain<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        Marshallers.Create<T>(Serialize, context => parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    /// <summary>A request that is not a valid <typeparamref name="T"/> fails its call with InvalidArgument instead of an unhandled exception (Unknown).</summary>
    public static Marshaller<T> ParsedRequest<T>(MessageParser<T> parser)
        where T : class, IMessage<T>, new() =>
        Marshallers.Create<T>(Serialize, context =>
        {
            try
            {
                return parser.ParseFrom(context.PayloadAsReadOnlySequence());
            }
            catch (InvalidProtocolBufferException e)
            {
                // Grpc.AspNetCore turns an RpcException thrown while reading the request into the call's status.
                throw Statuses.InvalidException("request", $"the request could not be parsed as a {new T().Descriptor.FullName} message: {e.Message}");
            }
        });

    private static void Serialize<T>(T message, SerializationContext context)
        where T : class, IMessage<T>
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
