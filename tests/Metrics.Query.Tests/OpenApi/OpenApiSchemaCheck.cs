using System.Text.Json;

namespace Metrics.Query.Tests.OpenApi;

/// <summary>
/// A small JSON Schema checker for the OpenAPI document's response schemas: $ref, type (or a list of
/// types), required, properties, additionalProperties, items, enum, oneOf/anyOf/allOf. Enough to
/// tell whether a real answer is what the document promises.
/// </summary>
internal sealed class OpenApiSchemaCheck(JsonElement document)
{
    public List<string> Errors { get; } = [];

    public void Check(JsonElement schema, JsonElement value, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Check(Resolve(reference.GetString()!), value, path);
            return;
        }

        foreach (var combinator in (string[])["oneOf", "anyOf"])
        {
            if (schema.TryGetProperty(combinator, out var options) && !options.EnumerateArray().Any(option => Passes(option, value, path)))
            {
                Errors.Add($"{path}: matches none of {combinator}");
                return;
            }
        }

        if (schema.TryGetProperty("allOf", out var all))
        {
            foreach (var part in all.EnumerateArray())
            {
                Check(part, value, path);
            }
        }

        if (schema.TryGetProperty("type", out var type) && !TypeMatches(type, value))
        {
            Errors.Add($"{path}: {value.ValueKind} is not of type {type.GetRawText()}");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            Errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in schema.TryGetProperty("required", out var required) ? required.EnumerateArray().Select(r => r.GetString()!) : [])
            {
                if (!value.TryGetProperty(name, out _))
                {
                    Errors.Add($"{path}: required property '{name}' is missing");
                }
            }

            var properties = schema.TryGetProperty("properties", out var p) ? p : default;
            foreach (var property in value.EnumerateObject())
            {
                if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
                {
                    Check(propertySchema, property.Value, path + "." + property.Name);
                }
                else if (schema.TryGetProperty("additionalProperties", out var additional))
                {
                    if (additional.ValueKind == JsonValueKind.False)
                    {
                        Errors.Add($"{path}: property '{property.Name}' is not in the schema");
                    }
                    else
                    {
                        Check(additional, property.Value, path + "." + property.Name);
                    }
                }
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Check(items, item, $"{path}[{i++}]");
            }
        }
    }

    private bool Passes(JsonElement schema, JsonElement value, string path)
    {
        var probe = new OpenApiSchemaCheck(document);
        probe.Check(schema, value, path);
        return probe.Errors.Count == 0;
    }

    private JsonElement Resolve(string reference)
    {
        const string Prefix = "#/components/schemas/";
        Assert.StartsWith(Prefix, reference, StringComparison.Ordinal);
        return document.GetProperty("components").GetProperty("schemas").GetProperty(reference[Prefix.Length..]);
    }

    private static bool TypeMatches(JsonElement type, JsonElement value) => type.ValueKind == JsonValueKind.Array
        ? type.EnumerateArray().Any(t => Is(t.GetString()!, value))
        : Is(type.GetString()!, value);

    private static bool Is(string type, JsonElement value) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        _ => true,
    };
}
