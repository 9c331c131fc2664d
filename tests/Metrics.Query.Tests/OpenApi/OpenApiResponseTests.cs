using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.OpenApi;

/// <summary>The OpenAPI document against real answers: every documented route is called, and each answer's body fits the schema the document gives for its status and content type.</summary>
public sealed class OpenApiResponseTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    private const string Project = "openapi";

    [Fact]
    public async Task OpenApiDocument_EveryRoute_RealAnswersFitTheirSchemas()
    {
        var run = await fixture.Seed.RunAsync(Project, "mnist/train", """{"lr": 0.01, "optimizer": "adam"}""", ["loss"]);
        await fixture.Seed.ScalarsAsync(run, "loss", [(0, 1, 1.5), (1, 2, double.NaN), (2, 3, double.PositiveInfinity), (3, 4, 0.25)]);
        var text = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        text.StringVal.Add(ByteString.CopyFromUtf8("hello"));
        await fixture.Seed.TensorsAsync(run, "notes", "text", [(0, 1, text)]);
        var histogram = new TensorProto { Dtype = DataType.DtDouble, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 1 }, new TensorShapeProto.Types.Dim { Size = 3 } } }, DoubleVal = { 0, 1, 5 } };
        await fixture.Seed.TensorsAsync(run, "weights", "histograms", [(0, 1, histogram)]);
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
        byte[] wav = [.. "RIFF"u8, 36, 0, 0, 0, .. "WAVEfmt "u8, 1, 2, 3];
        await fixture.Seed.BlobsAsync(run, "images/sample", "images", [(0, 1, [[.. "2"u8], [.. "3"u8], png])]);
        await fixture.Seed.BlobsAsync(run, "audio/clip", "audio", [(0, 1, [wav, [.. "tone"u8]])]);
        await fixture.Seed.BlobsAsync(run, "__run_graph__", "graphs", [(0, 1, [[0x0a, 0x01, (byte)'a']])]);
        var client = await fixture.ClientAsync(Project);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;
        var pngKey = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(png));
        var query = $$"""{"run_ids":[{{run}}, 999999],"tags":["loss"]}""";
        var queryAll = $$"""{"run_ids":[{{run}}],"tags":["loss"],"mode":"all"}""";
        var queryCsv = $$"""{"run_ids":[{{run}}],"tags":["loss"],"format":"csv"}""";

        (string Method, string Template, string Url, string? Body, HttpStatusCode Status)[] calls =
        [
            ("get", "/api/v1/projects", "/api/v1/projects", null, HttpStatusCode.OK),
            ("get", "/api/v1/projects/{project}/runs", $"/api/v1/projects/{Project}/runs?limit=1", null, HttpStatusCode.OK),
            ("get", "/api/v1/projects/{project}/runs", $"/api/v1/projects/{Project}/runs?limit=0", null, HttpStatusCode.BadRequest),
            ("get", "/api/v1/runs/{runId}", $"/api/v1/runs/{run}", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}", "/api/v1/runs/999999", null, HttpStatusCode.NotFound),
            ("get", "/api/v1/runs/{runId}/tags", $"/api/v1/runs/{run}/tags", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=loss", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=loss&max_points=5&x=wall_time", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=loss&mode=all", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=loss&format=csv", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=loss&mode=all&format=csv", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=loss&max_points=abc", null, HttpStatusCode.BadRequest),
            ("get", "/api/v1/runs/{runId}/scalars", $"/api/v1/runs/{run}/scalars?tag=nope", null, HttpStatusCode.NotFound),
            ("post", "/api/v1/projects/{project}/scalars/query", $"/api/v1/projects/{Project}/scalars/query", query, HttpStatusCode.OK),
            ("post", "/api/v1/projects/{project}/scalars/query", $"/api/v1/projects/{Project}/scalars/query", queryAll, HttpStatusCode.OK),
            ("post", "/api/v1/projects/{project}/scalars/query", $"/api/v1/projects/{Project}/scalars/query", queryCsv, HttpStatusCode.OK),
            ("post", "/api/v1/projects/{project}/scalars/query", $"/api/v1/projects/{Project}/scalars/query", """{"run_ids":"x"}""", HttpStatusCode.BadRequest),
            ("get", "/api/v1/runs/{runId}/tensors", $"/api/v1/runs/{run}/tensors?tag=notes", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/tensors", $"/api/v1/runs/{run}/tensors?tag=weights", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/blobs", $"/api/v1/runs/{run}/blobs?tag=images/sample", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/blobs", $"/api/v1/runs/{run}/blobs?tag=audio/clip", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/blobs", $"/api/v1/runs/{run}/blobs?tag=__run_graph__", null, HttpStatusCode.OK),
            ("get", "/api/v1/blobs/{blobId}", $"/api/v1/blobs/{pngKey}", null, HttpStatusCode.OK),
            ("get", "/api/v1/blobs/{blobId}", "/api/v1/blobs/abc", null, HttpStatusCode.BadRequest),
            ("get", "/api/v1/projects/{project}/hparams", $"/api/v1/projects/{Project}/hparams", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/stream", $"/api/v1/runs/{run}/stream?tag=loss", null, HttpStatusCode.OK),
            ("get", "/api/v1/runs/{runId}/logdir.tar.gz", $"/api/v1/runs/{run}/logdir.tar.gz", null, HttpStatusCode.OK),
        ];

        var errors = new List<string>();
        foreach (var (method, template, url, body, status) in calls)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8, "application/json");
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var where = $"{method.ToUpperInvariant()} {url}";
            if (response.StatusCode != status)
            {
                errors.Add($"{where}: status {(int)response.StatusCode}, expected {(int)status}");
                continue;
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType ?? "";
            if (!root.GetProperty("paths").TryGetProperty(template, out var path) || !path.TryGetProperty(method, out var operation)
                || !operation.GetProperty("responses").TryGetProperty(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), out var documented))
            {
                errors.Add($"{where}: the document has no {(int)status} answer for {method} {template}");
                continue;
            }

            if (!documented.TryGetProperty("content", out var content) || !content.TryGetProperty(mediaType, out var media))
            {
                errors.Add($"{where}: answered {mediaType}, documented {(documented.TryGetProperty("content", out var c) ? string.Join(", ", c.EnumerateObject().Select(m => m.Name)) : "no content")}");
                continue;
            }

            if (mediaType == "text/event-stream")
            {
                continue; // An endless stream: its content type is what can be checked here.
            }

            var schema = media.TryGetProperty("schema", out var s) ? s : default;
            if (mediaType is "application/json" or "application/problem+json")
            {
                using var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
                var check = new OpenApiSchemaCheck(root);
                check.Check(schema, answer.RootElement, where);
                errors.AddRange(check.Errors);
            }
            else if (mediaType == "text/csv" && (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var csvType) || csvType.GetString() != "string"))
            {
                errors.Add($"{where}: text/csv is documented as {schema.GetRawText()}, not as a string");
            }
        }

        var documentedRoutes = root.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Where(o => o.Name is "get" or "post").Select(o => o.Name + " " + p.Name)).ToHashSet();
        documentedRoutes.ExceptWith(calls.Select(c => c.Method + " " + c.Template));
        Assert.True(documentedRoutes.Count == 0, "routes not exercised: " + string.Join(", ", documentedRoutes));
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public async Task OpenApiDocument_QueryParameters_HaveDescriptionsEnumsAndRequiredTag()
    {
        var client = fixture.Factory.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var scalars = document.RootElement.GetProperty("paths").GetProperty("/api/v1/runs/{runId}/scalars").GetProperty("get");
        var parameters = scalars.GetProperty("parameters").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);

        Assert.All(parameters.Values, p => Assert.False(string.IsNullOrWhiteSpace(p.TryGetProperty("description", out var d) ? d.GetString() : null), p.GetRawText()));
        Assert.True(parameters["tag"].GetProperty("required").GetBoolean());
        Assert.Equal(["downsample", "all"], parameters["mode"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["step", "wall_time"], parameters["x"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["json", "csv"], parameters["format"].GetProperty("schema").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        var csv = scalars.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/csv").GetProperty("schema");
        Assert.Equal("string", csv.GetProperty("type").GetString());
        foreach (var route in (string[])["/api/v1/runs/{runId}/tensors", "/api/v1/runs/{runId}/blobs"])
        {
            var tag = document.RootElement.GetProperty("paths").GetProperty(route).GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "tag");
            Assert.True(tag.GetProperty("required").GetBoolean(), route);
        }
    }
}
