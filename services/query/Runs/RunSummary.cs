using System.Text.Json;

namespace Metrics.Query.Runs;

/// <summary>One run in a listing.</summary>
internal sealed record RunSummary(long RunId, string Name, DateTime CreatedAt, DateTime LastWriteAt, JsonElement Hparams);
