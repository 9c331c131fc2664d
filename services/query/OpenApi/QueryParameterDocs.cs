using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Metrics.Query.OpenApi;

/// <summary>
/// What the generated document cannot know from the handlers: each parameter's meaning, its allowed
/// values (enums), which ones are required although bound as nullable (so the handler can answer a
/// missing one with its own problem+json), that CSV answers are text, not the JSON schema, and
/// two fixes of the generated schemas (non-finite doubles, properties omitted when null).
/// </summary>
internal static class QueryParameterDocs
{
    private sealed record Parameter(string Description, bool Required = false, string[]? Values = null, string? Default = null);

    private static readonly Dictionary<string, Parameter> Known = new(StringComparer.Ordinal)
    {
        ["project"] = new("The project's name (the token's project; another project's is 404)."),
        ["runId"] = new("A run id, from the runs listing."),
        ["blobId"] = new("A blob's key: 64 lowercase hex digits (its SHA-256), from a blobs listing."),
        ["tag"] = new("The series' tag, exactly as written (e.g. `train/loss`).", Required: true),
        ["from_step"] = new("First step of the range, inclusive (default: the series' first step)."),
        ["to_step"] = new("Last step of the range, inclusive (default: the series' last step)."),
        ["max_points"] = new("Most points in the answer. Scalars: 5…100000, default 1000 (min/max per bucket, first and last kept). Tensors and blobs: 2…10000, default 100 (evenly spaced steps, first and last kept)."),
        ["mode"] = new("`downsample` bounds the answer by max_points; `all` streams every point of the range.", Values: ["downsample", "all"], Default: "downsample"),
        ["x"] = new("The axis buckets are cut on when downsampling.", Values: ["step", "wall_time"], Default: "step"),
        ["format"] = new("`json` (columns) or `csv` (`step,wall_time,value` rows).", Values: ["json", "csv"], Default: "json"),
        ["prefix"] = new("Only runs whose name starts with this."),
        ["name"] = new("Only the run of exactly this name."),
        ["cursor"] = new("The previous page's next_cursor (opaque)."),
        ["limit"] = new("Most rows in the answer: runs 1…1000, hparams 1…10000."),
        ["sort"] = new("Row order; `-` reverses.", Values: ["name", "-name", "created", "-created", "last_write", "-last_write"], Default: "name"),
        ["signature"] = new("A listing's signed_url signature: serves this blob without an Authorization header until it expires."),
    };

    public static OpenApiOptions AddQueryParameterDocs(this OpenApiOptions options) => options.AddSchemaTransformer((schema, context, _) =>
    {
        // A double that may be "NaN"/"Infinity"/"-Infinity" is generated as anyOf [number, those strings]
        // beside "type": "object", which no number satisfies: the anyOf alone is the truth.
        if (schema.AnyOf is { Count: > 0 } && schema.Type == JsonSchemaType.Object)
        {
            schema.Type = null;
        }

        // Properties left out when null (a blob listing's images / audio / blobs) are not required.
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), inherit: false)
                .OfType<System.Text.Json.Serialization.JsonIgnoreAttribute>().Any(a => a.Condition == System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull) == true)
            {
                schema.Required?.Remove(property.Name);
            }
        }

        return Task.CompletedTask;
    }).AddOperationTransformer((operation, context, _) =>
    {
        var stream = context.Description.RelativePath?.EndsWith("/stream", StringComparison.Ordinal) == true;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Name is not { } name || !Known.TryGetValue(name, out var known))
            {
                continue;
            }

            parameter.Description = stream && name == "tag"
                ? "Tags to follow (repeat the key for several); none: every scalar tag of the run, including ones created later."
                : stream && name == "from_step" ? "First step to send, inclusive (default: only points committed from now on)." : known.Description;
            parameter.Required |= known.Required && !stream;
            if (known.Values is { } values)
            {
                parameter.Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
                    Default = known.Default is { } d ? JsonValue.Create(d) : null,
                };
            }
        }

        // Answers declared with a content type but no .NET type (blob bytes, the event stream, the
        // logdir archive) get no content in the generated document: add them as text or bytes.
        foreach (var produces in context.Description.ActionDescriptor.EndpointMetadata.OfType<IProducesResponseTypeMetadata>())
        {
            var status = produces.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (produces.Type is not null && produces.Type != typeof(void) || operation.Responses?.TryGetValue(status, out var declared) != true || declared is not OpenApiResponse response)
            {
                continue;
            }

            foreach (var mediaType in produces.ContentTypes)
            {
                response.Content ??= new Dictionary<string, OpenApiMediaType>();
                response.Content.TryAdd(mediaType, new OpenApiMediaType
                {
                    Schema = mediaType == "text/event-stream"
                        ? new OpenApiSchema { Type = JsonSchemaType.String, Description = "Server-Sent Events: `ready`, `points` ({run_id, tag, steps, wall_times, values}), `reset`, and `: keep-alive` comments." }
                        : new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                });
            }
        }

        foreach (var response in operation.Responses?.Values.AsEnumerable() ?? [])
        {
            if (response.Content is { } content && content.TryGetValue("text/csv", out var csv) && csv is OpenApiMediaType media)
            {
                media.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "CSV with a header row: `step,wall_time,value` (scalars/query: `run_id,tag,step,wall_time,value`); NaN and ±Infinity as `NaN`, `Infinity`, `-Infinity`." };
            }
        }

        return Task.CompletedTask;
    });
}
