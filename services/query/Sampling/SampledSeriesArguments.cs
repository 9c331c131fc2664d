using Microsoft.AspNetCore.Mvc;

namespace Metrics.Query.Sampling;

/// <summary>
/// The arguments of GET /runs/{runId}/tensors and /blobs, bound with [AsParameters]. Names are
/// explicit: the API's keys are snake_case and the OpenAPI document must show them as sent.
/// </summary>
internal sealed record SampledSeriesArguments(
    [FromRoute(Name = "runId")] long RunId,
    [FromQuery(Name = "tag")] string? Tag,
    [FromQuery(Name = "from_step")] long? FromStep,
    [FromQuery(Name = "to_step")] long? ToStep,
    [FromQuery(Name = "max_points")] int? MaxPoints);
