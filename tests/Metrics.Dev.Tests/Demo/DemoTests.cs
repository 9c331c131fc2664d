using Metrics.TensorBoard;

namespace Metrics.Dev.Tests.Demo;

public sealed class DemoTests(IngestFixture ingest) : IClassFixture<IngestFixture>
{
    [Fact]
    public async Task Demo_ShortRunAgainstRealIngest_StoresEveryKindOfSummary()
    {
        var (exitCode, output, error) = await ProcessRunner.RunDotnetAsync(
            ServiceBinaries.DevTool, ["demo", "--server", ingest.Server.Url.ToString(), "--token", ingest.Token, "--project", IngestFixture.Project, "--steps", "20"]);

        Assert.True(exitCode == 0, output + error);
        var runs = await ingest.Stored.RunsAsync();
        var mlp = Assert.Single(runs, r => r.EndsWith("/mlp", StringComparison.Ordinal));
        Assert.Single(runs, r => r.EndsWith("/neuron", StringComparison.Ordinal));
        Assert.Equal(20, (await ingest.Stored.ScalarsAsync(mlp, "mlp/loss")).Count);
        Assert.Equal(20, (await ingest.Stored.ScalarsAsync(mlp, "mlp/accuracy")).Count);
        var series = await ingest.Stored.SeriesAsync(mlp);
        Assert.Contains(series.Values, s => s.PluginName == PluginNames.Histograms && s.Tag.StartsWith("gradients/", StringComparison.Ordinal));
        Assert.Contains(series.Values, s => s.PluginName == PluginNames.Images);
        Assert.Contains(series.Values, s => s.PluginName == PluginNames.Text);
        Assert.Contains(series.Values, s => s.PluginName == PluginNames.Graphs);
        Assert.Contains(series.Values, s => s.PluginName == PluginNames.HParams);
        Assert.Contains("\"hidden\"", (await ingest.Stored.HParamsAsync(mlp)).HParamsJson, StringComparison.Ordinal);
    }
}
