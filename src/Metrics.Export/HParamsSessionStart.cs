using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.HParams;
using Metrics.TensorBoard;

namespace Metrics.Export;

/// <summary>
/// A run's hyperparameters given only as run metadata (<c>runs.hparams</c>, from OpenRun), as
/// TensorBoard's hparams plugin writes a session: tag <see cref="Tag"/>, plugin <c>hparams</c>,
/// <c>HParamsPluginData.session_start_info</c> in the metadata, an empty DT_FLOAT [0] tensor. The
/// HParams dashboard reads nothing else, so without it such runs had no hyperparameters there.
/// </summary>
public sealed record HParamsSessionStart(SummaryMetadata Metadata, double WallTime)
{
    public const string Tag = "_hparams_/session_start_info";

    /// <summary>
    /// The session start of <paramref name="hparamsJson"/> (a JSON object of strings, booleans and
    /// numbers, as ingest stores them), started at <paramref name="startTime"/> (unix seconds); null
    /// for no hyperparameters.
    /// </summary>
    public static HParamsSessionStart? FromJson(string hparamsJson, double startTime)
    {
        using var document = JsonDocument.Parse(hparamsJson);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var session = new SessionStartInfo { StartTimeSecs = startTime };
        foreach (var property in document.RootElement.EnumerateObject())
        {
            Value? value = property.Value.ValueKind switch
            {
                JsonValueKind.String => Value.ForString(property.Value.GetString()),
                JsonValueKind.True => Value.ForBool(true),
                JsonValueKind.False => Value.ForBool(false),
                JsonValueKind.Number => Value.ForNumber(property.Value.GetDouble()),
                _ => null, // Ingest stores no other kind; TensorBoard's hparams take none either.
            };
            if (value is not null)
            {
                session.Hparams[property.Name] = value;
            }
        }

        if (session.Hparams.Count == 0)
        {
            return null;
        }

        var metadata = SummaryMetadataFactory.Create(PluginNames.HParams, new HParamsPluginData { SessionStartInfo = session }.ToByteString(), DataClass.Tensor);
        return new HParamsSessionStart(metadata, startTime);
    }

    /// <summary>Writes the session start at <paramref name="step"/> (the run's first step).</summary>
    public void Write(EventFileWriter writer, long step)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var empty = new TensorProto { Dtype = Metrics.Contracts.TensorBoard.DataType.DtFloat, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 0 } } } };
        writer.WriteTensor(Tag, step, WallTime, empty, Metadata);
    }
}
