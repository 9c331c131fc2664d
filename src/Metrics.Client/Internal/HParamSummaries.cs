using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Metrics.Contracts.TensorBoard;
using Metrics.Contracts.TensorBoard.HParams;
using Metrics.TensorBoard;
using V1 = Metrics.Contracts.V1;

namespace Metrics.Client.Internal;

/// <summary>Hyperparameters as TensorBoard's hparams plugin writes them (<c>_hparams_/experiment</c> and <c>_hparams_/session_start_info</c>).</summary>
internal static class HParamSummaries
{
    public const string ExperimentTag = "_hparams_/experiment";
    public const string SessionStartTag = "_hparams_/session_start_info";

    public static V1.HParamValue ToValue(string name, object value) => value switch
    {
        string s => new V1.HParamValue { StringValue = s },
        bool b => new V1.HParamValue { BoolValue = b },
        // A float keeps the value the user wrote (0.05f is 0.05, not its binary 0.05000000074505806),
        // so hparams read as given and filters such as hparam.lr=0.05 find the run.
        float f => new V1.HParamValue { NumberValue = ShortestDouble(f.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) },
        Half h => new V1.HParamValue { NumberValue = ShortestDouble(h.ToString("R", System.Globalization.CultureInfo.InvariantCulture)) },
        double or int or long or short or byte or sbyte or uint or ulong or ushort or decimal =>
            new V1.HParamValue { NumberValue = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture) },
        _ => throw new ArgumentException($"Hyperparameter '{name}' must be a string, boolean or number, not {value?.GetType().Name ?? "null"}.", nameof(value)),
    };

    private static double ShortestDouble(string roundTrip) =>
        double.Parse(roundTrip, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The empty DT_FLOAT [0] tensor the hparams summaries carry (their data is in the metadata).</summary>
    public static TensorProto EmptyTensor() =>
        new() { Dtype = Contracts.TensorBoard.DataType.DtFloat, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 0 } } } };

    public static IEnumerable<(string Tag, SummaryMetadata Metadata)> Create(IReadOnlyDictionary<string, V1.HParamValue> hparams, IReadOnlyList<string> metrics, double wallTime)
    {
        var experiment = new Experiment { TimeCreatedSecs = wallTime };
        var session = new SessionStartInfo { StartTimeSecs = wallTime };
        foreach (var (name, value) in hparams.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            var (proto, type) = value.KindCase switch
            {
                V1.HParamValue.KindOneofCase.StringValue => (Value.ForString(value.StringValue), Contracts.TensorBoard.HParams.DataType.String),
                V1.HParamValue.KindOneofCase.BoolValue => (Value.ForBool(value.BoolValue), Contracts.TensorBoard.HParams.DataType.Bool),
                _ => (Value.ForNumber(value.NumberValue), Contracts.TensorBoard.HParams.DataType.Float64),
            };
            session.Hparams[name] = proto;
            experiment.HparamInfos.Add(new HParamInfo { Name = name, Type = type });
        }

        foreach (var metric in metrics)
        {
            experiment.MetricInfos.Add(new MetricInfo { Name = new MetricName { Tag = metric } });
        }

        if (metrics.Count > 0)
        {
            yield return (ExperimentTag, Metadata(new HParamsPluginData { Experiment = experiment }));
        }

        yield return (SessionStartTag, Metadata(new HParamsPluginData { SessionStartInfo = session }));
    }

    private static SummaryMetadata Metadata(HParamsPluginData data) =>
        SummaryMetadataFactory.Create(PluginNames.HParams, data.ToByteString(), Contracts.TensorBoard.DataClass.Tensor);
}
