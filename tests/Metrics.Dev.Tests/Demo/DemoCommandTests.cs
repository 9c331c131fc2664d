using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Metrics.Storage;

namespace Metrics.Dev.Tests.Demo;

/// <summary>`metrics demo` as a real process against the real ingest and query services, checked through the REST API.</summary>
public sealed class DemoCommandTests(ServicesFixture services) : IClassFixture<ServicesFixture>
{
    [Fact]
    public async Task Demo_FloatLearningRate_HparamsKeepTheValueAndFilterFindsTheRun()
    {
        const string Project = "demo-hparams";
        var (write, read) = (await services.CreateTokenAsync(Project, TokenScope.Write), await services.CreateTokenAsync(Project, TokenScope.Read));

        var result = await DemoAsync(write, Project, "5");

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        using var filtered = await GetAsync(read, $"/api/v1/projects/{Project}/runs?hparam.lr=0.05");
        var runs = filtered.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["demo/mlp", "demo/neuron"], runs.Select(r => r.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.All(runs, r => Assert.Equal("0.05", r.GetProperty("hparams").GetProperty("lr").GetRawText()));
    }

    [Fact]
    public async Task Demo_RunTwice_ReusesItsTwoRunsWithTheLatestPoints()
    {
        const string Project = "demo-reuse";
        var (write, read) = (await services.CreateTokenAsync(Project, TokenScope.Write), await services.CreateTokenAsync(Project, TokenScope.Read));

        var first = await DemoAsync(write, Project, "8");
        var second = await DemoAsync(write, Project, "5");

        Assert.True(first.ExitCode == 0, first.StandardOutput + first.StandardError);
        Assert.True(second.ExitCode == 0, second.StandardOutput + second.StandardError);
        using var all = await GetAsync(read, $"/api/v1/projects/{Project}/runs");
        var runs = all.RootElement.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(["demo/mlp", "demo/neuron"], runs.Select(r => r.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        var mlp = runs.Single(r => r.GetProperty("name").GetString() == "demo/mlp").GetProperty("run_id").GetInt64();
        using var loss = await GetAsync(read, string.Create(CultureInfo.InvariantCulture, $"/api/v1/runs/{mlp}/scalars?tag=mlp/loss"));
        Assert.Equal([0L, 1, 2, 3, 4], loss.RootElement.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64()));
    }

    [Fact]
    public async Task Demo_ServerNotListening_ReportsItAndGivesUpAfterConnectTimeout()
    {
        using var refusing = LoopbackPorts.Refusing();
        var url = "http://127.0.0.1:" + refusing.Port.ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();

        var result = await ProcessRunner.RunDotnetAsync(ServiceBinaries.DevTool, ["demo", "--server", url, "--token", services.WriteToken, "--steps", "5", "--connect-timeout", "3"], timeout: TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 1, result.StandardOutput + result.StandardError);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        Assert.Contains($"metrics demo: cannot reach the ingest service: Unavailable", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"gave up after 3 s: the ingest service at {url} acknowledged nothing", result.StandardError, StringComparison.Ordinal);
    }

    private Task<ProcessResult> DemoAsync(string token, string project, string steps) =>
        ProcessRunner.RunDotnetAsync(ServiceBinaries.DevTool, ["demo", "--server", services.IngestUrl, "--token", token, "--project", project, "--steps", steps]);

    private async Task<JsonDocument> GetAsync(string token, string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(services.QueryUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, path + ": " + body);
        return JsonDocument.Parse(body);
    }
}
