using Metrics.Contracts.TensorBoard;
using Metrics.TensorBoard;

namespace Metrics.Client;

/// <summary>
/// Values as TensorBoard event files hold them, for tools that copy event files into a writer
/// (<c>metrics upload</c> is one): the tag's own <see cref="SummaryMetadata"/> travels with the value and the
/// wall time is kept exactly as the file gives it.
/// </summary>
public sealed partial class SummaryWriter
{
    /// <summary>
    /// Adds a scalar point together with its tag's TensorBoard metadata (display name, description,
    /// plugin content), as an event file holds it.
    /// </summary>
    /// <param name="tag">The series name.</param>
    /// <param name="value">The value (NaN and infinities are kept).</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">Seconds since the Unix epoch, as an event's <c>wall_time</c>; kept exactly.</param>
    /// <param name="metadata">The tag's metadata; the first point of a tag fixes it for the run.</param>
    /// <exception cref="ArgumentException">The tag already holds another data class.</exception>
    public void AddEventScalar(string tag, double value, long step, double wallTime, SummaryMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        Sink.AddScalar(tag, step, wallTime, value, metadata);
    }

    /// <summary>
    /// Adds a point given as a TensorBoard tensor and its tag's metadata, as an event file holds it
    /// after TensorBoard's v1 → v2 conversion. The metadata's data class says how it is stored:
    /// a scalar (the tensor's single number), a tensor (histograms, text, hparams…) or a blob
    /// sequence (the tensor's strings: images, audio, graphs).
    /// </summary>
    /// <param name="tag">The series name.</param>
    /// <param name="tensor">The value.</param>
    /// <param name="step">The training step.</param>
    /// <param name="wallTime">Seconds since the Unix epoch, as an event's <c>wall_time</c>; kept exactly.</param>
    /// <param name="metadata">The tag's metadata; the first point of a tag fixes it for the run.</param>
    /// <exception cref="ArgumentException">
    /// The metadata has no data class TensorBoard's data provider reads (scalar, tensor or blob sequence),
    /// or the tag already holds another data class.
    /// </exception>
    public void AddEventTensor(string tag, TensorProto tensor, long step, double wallTime, SummaryMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(metadata);
        switch (metadata.DataClass)
        {
            case DataClass.Scalar:
                Sink.AddScalar(tag, step, wallTime, TensorValues.TryGetScalar(tensor, out var value) ? value : double.NaN, metadata);
                break;
            case DataClass.Tensor:
                Sink.AddTensor(tag, step, wallTime, tensor, metadata);
                break;
            case DataClass.BlobSequence:
                Sink.AddBlobs(tag, step, wallTime, tensor.StringVal, tensor, metadata);
                break;
            default:
                throw new ArgumentException($"Tag '{tag}': metadata without a data class (scalar, tensor or blob sequence) is not read by TensorBoard's data provider.", nameof(metadata));
        }
    }
}
