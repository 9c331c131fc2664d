using Metrics.Contracts.TensorBoard;
using Metrics.Query.Runs;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// One series as TensorBoard names it (run name per experiment mode), with its SummaryMetadata;
/// MaxWallTime and MaxLength are read only when listing.
/// </summary>
internal sealed record TensorBoardSeries(long ProjectId, string RunName, SeriesRef Series, SummaryMetadata Metadata, long MaxStep, double MaxWallTime, long MaxLength);
