using System.Net;
using System.Text.Json;

namespace Metrics.Query.Tests.TestData;

/// <summary>Assertions on problem+json answers.</summary>
public static class Problems
{
    public static async Task<JsonElement> AssertAsync(HttpResponseMessage response, HttpStatusCode status, string? parameter = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (parameter is not null)
        {
            Assert.True(problem.TryGetProperty("parameter", out var named), "problem names no parameter: " + text);
            Assert.Equal(parameter, named.GetString());
        }

        return problem;
    }

    /// <summary>The problem speaks the API's words: no .NET type or handler parameter names.</summary>
    public static void AssertPlainWords(JsonElement problem)
    {
        var text = problem.GetRawText();
        foreach (var word in (string[])["Nullable", "Int32", "Int64", "ScalarsQueryRequest", "request\"", "System.", "Failed to bind", "maxPoints", "fromStep", "toStep"])
        {
            Assert.DoesNotContain(word, text, StringComparison.Ordinal);
        }
    }
}
