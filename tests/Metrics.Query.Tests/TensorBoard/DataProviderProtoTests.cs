using Google.Protobuf.Reflection;
using Metrics.Contracts.TensorBoard.Data;

namespace Metrics.Query.Tests.TensorBoard;

/// <summary>
/// Wire compatibility with TensorBoard: every message of proto/tensorboard/data/data_provider.proto
/// has the fields of TensorBoard's tensorboard/data/proto/data_provider.proto (name, number, type,
/// repeated), in the same package, and the service its ten methods. The expected signatures were
/// printed from TensorBoard's own descriptor (protoc on its published file).
/// </summary>
public sealed class DataProviderProtoTests
{
    [Theory]
    [InlineData("GetExperimentRequest", "experiment_id=1:string")]
    [InlineData("GetExperimentResponse", "data_location=1:string, name=2:string, description=3:string, creation_time=4:message(google.protobuf.Timestamp)")]
    [InlineData("PluginFilter", "plugin_name=1:string")]
    [InlineData("RunTagFilter", "runs=1:message(tensorboard.data.RunFilter), tags=2:message(tensorboard.data.TagFilter)")]
    [InlineData("RunFilter", "names=1:string*")]
    [InlineData("TagFilter", "names=1:string*")]
    [InlineData("Downsample", "num_points=1:int64")]
    [InlineData("ListPluginsRequest", "experiment_id=1:string")]
    [InlineData("ListPluginsResponse", "plugins=1:message(tensorboard.data.Plugin)*")]
    [InlineData("Plugin", "name=1:string")]
    [InlineData("ListRunsRequest", "experiment_id=1:string")]
    [InlineData("ListRunsResponse", "runs=1:message(tensorboard.data.Run)*")]
    [InlineData("Run", "name=2:string, start_time=3:double")]
    [InlineData("ListScalarsRequest", "experiment_id=1:string, plugin_filter=2:message(tensorboard.data.PluginFilter), run_tag_filter=3:message(tensorboard.data.RunTagFilter)")]
    [InlineData("ListScalarsResponse", "runs=1:message(tensorboard.data.ListScalarsResponse.RunEntry)*")]
    [InlineData("ListScalarsResponse.RunEntry", "run_name=1:string, tags=2:message(tensorboard.data.ListScalarsResponse.TagEntry)*")]
    [InlineData("ListScalarsResponse.TagEntry", "tag_name=1:string, metadata=2:message(tensorboard.data.ScalarMetadata)")]
    [InlineData("ScalarMetadata", "max_step=1:int64, max_wall_time=2:double, summary_metadata=3:message(tensorboard.SummaryMetadata)")]
    [InlineData("ReadScalarsRequest", "experiment_id=1:string, plugin_filter=2:message(tensorboard.data.PluginFilter), run_tag_filter=3:message(tensorboard.data.RunTagFilter), downsample=4:message(tensorboard.data.Downsample)")]
    [InlineData("ReadScalarsResponse", "runs=1:message(tensorboard.data.ReadScalarsResponse.RunEntry)*")]
    [InlineData("ReadScalarsResponse.RunEntry", "run_name=1:string, tags=2:message(tensorboard.data.ReadScalarsResponse.TagEntry)*")]
    [InlineData("ReadScalarsResponse.TagEntry", "tag_name=1:string, data=2:message(tensorboard.data.ScalarData)")]
    [InlineData("ScalarData", "step=1:int64*, wall_time=2:double*, value=3:float*")]
    [InlineData("ListTensorsRequest", "experiment_id=1:string, plugin_filter=2:message(tensorboard.data.PluginFilter), run_tag_filter=3:message(tensorboard.data.RunTagFilter)")]
    [InlineData("ListTensorsResponse", "runs=1:message(tensorboard.data.ListTensorsResponse.RunEntry)*")]
    [InlineData("ListTensorsResponse.RunEntry", "run_name=1:string, tags=2:message(tensorboard.data.ListTensorsResponse.TagEntry)*")]
    [InlineData("ListTensorsResponse.TagEntry", "tag_name=1:string, metadata=2:message(tensorboard.data.TensorMetadata)")]
    [InlineData("TensorMetadata", "max_step=1:int64, max_wall_time=2:double, summary_metadata=3:message(tensorboard.SummaryMetadata)")]
    [InlineData("ReadTensorsRequest", "experiment_id=1:string, plugin_filter=2:message(tensorboard.data.PluginFilter), run_tag_filter=3:message(tensorboard.data.RunTagFilter), downsample=4:message(tensorboard.data.Downsample)")]
    [InlineData("ReadTensorsResponse", "runs=1:message(tensorboard.data.ReadTensorsResponse.RunEntry)*")]
    [InlineData("ReadTensorsResponse.RunEntry", "run_name=1:string, tags=2:message(tensorboard.data.ReadTensorsResponse.TagEntry)*")]
    [InlineData("ReadTensorsResponse.TagEntry", "tag_name=1:string, data=2:message(tensorboard.data.TensorData)")]
    [InlineData("TensorData", "step=1:int64*, wall_time=2:double*, value=3:message(tensorboard.TensorProto)*")]
    [InlineData("ListBlobSequencesRequest", "experiment_id=1:string, plugin_filter=2:message(tensorboard.data.PluginFilter), run_tag_filter=3:message(tensorboard.data.RunTagFilter)")]
    [InlineData("ListBlobSequencesResponse", "runs=1:message(tensorboard.data.ListBlobSequencesResponse.RunEntry)*")]
    [InlineData("ListBlobSequencesResponse.RunEntry", "run_name=1:string, tags=2:message(tensorboard.data.ListBlobSequencesResponse.TagEntry)*")]
    [InlineData("ListBlobSequencesResponse.TagEntry", "tag_name=1:string, metadata=2:message(tensorboard.data.BlobSequenceMetadata)")]
    [InlineData("BlobSequenceMetadata", "max_step=1:int64, max_wall_time=2:double, max_length=3:int64, summary_metadata=4:message(tensorboard.SummaryMetadata)")]
    [InlineData("ReadBlobSequencesRequest", "experiment_id=1:string, plugin_filter=2:message(tensorboard.data.PluginFilter), run_tag_filter=3:message(tensorboard.data.RunTagFilter), downsample=4:message(tensorboard.data.Downsample)")]
    [InlineData("ReadBlobSequencesResponse", "runs=1:message(tensorboard.data.ReadBlobSequencesResponse.RunEntry)*")]
    [InlineData("ReadBlobSequencesResponse.RunEntry", "run_name=1:string, tags=2:message(tensorboard.data.ReadBlobSequencesResponse.TagEntry)*")]
    [InlineData("ReadBlobSequencesResponse.TagEntry", "tag_name=1:string, data=2:message(tensorboard.data.BlobSequenceData)")]
    [InlineData("BlobSequenceData", "step=1:int64*, wall_time=2:double*, values=3:message(tensorboard.data.BlobReferenceSequence)*")]
    [InlineData("BlobReferenceSequence", "blob_refs=1:message(tensorboard.data.BlobReference)*")]
    [InlineData("BlobReference", "blob_key=1:string, url=2:string")]
    [InlineData("ReadBlobRequest", "blob_key=1:string")]
    [InlineData("ReadBlobResponse", "data=1:bytes")]
    public void Message_AsGenerated_HasTensorBoardsFields(string message, string fields)
    {
        var descriptor = Messages(DataProviderReflection.Descriptor.MessageTypes, "")[message];
        Assert.Equal("tensorboard.data." + message, descriptor.FullName);
        Assert.Equal(fields, string.Join(", ", descriptor.Fields.InDeclarationOrder().Select(Signature)));
    }

    [Fact]
    public void Service_AsGenerated_HasTensorBoardsTenMethods()
    {
        var service = TensorBoardDataProvider.Descriptor;
        Assert.Equal("tensorboard.data.TensorBoardDataProvider", service.FullName);
        Assert.Equal(
            ["GetExperiment", "ListPlugins", "ListRuns", "ListScalars", "ReadScalars", "ListTensors", "ReadTensors", "ListBlobSequences", "ReadBlobSequences", "ReadBlob"],
            service.Methods.Select(m => m.Name));
        Assert.All(service.Methods, m => Assert.False(m.IsClientStreaming));
        Assert.Equal(["ReadBlob"], service.Methods.Where(m => m.IsServerStreaming).Select(m => m.Name));
        Assert.All(service.Methods, m => Assert.Equal(m.Name + "Request", m.InputType.Name));
    }

    private static Dictionary<string, MessageDescriptor> Messages(IEnumerable<MessageDescriptor> messages, string prefix) =>
        messages.SelectMany(m => Messages(m.NestedTypes, prefix + m.Name + ".").Append(KeyValuePair.Create(prefix + m.Name, m)))
            .ToDictionary(p => p.Key, p => p.Value);

    private static string Signature(FieldDescriptor field)
    {
        var type = field.FieldType switch
        {
            FieldType.Message => $"message({field.MessageType.FullName})",
            FieldType.Enum => $"enum({field.EnumType.FullName})",
            var other => other.ToString().ToLowerInvariant(),
        };
        return $"{field.Name}={field.FieldNumber}:{type}{(field.IsRepeated ? "*" : "")}";
    }
}
