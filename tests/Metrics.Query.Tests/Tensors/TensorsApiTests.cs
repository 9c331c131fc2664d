using System.Net;
using Google.Protobuf;
using Metrics.Contracts.TensorBoard;
using Metrics.Query.Tests.TestData;

namespace Metrics.Query.Tests.Tensors;

public sealed class TensorsApiTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    [Fact]
    public async Task GetTensors_Histogram_ReturnsRowsOfLeftRightCount()
    {
        var run = await fixture.Seed.RunAsync("tensors", "hist");
        await fixture.Seed.TensorsAsync(run, "weights", "histograms", [(3, 10.5, Histogram([-1, 0, 2], [0, 1, 5], [double.NaN, 4, 1]))]);
        var client = await fixture.ClientAsync("tensors");

        var series = await Json.GetAsync(client, $"/api/v1/runs/{run}/tensors?tag=weights");
        Assert.Equal("histograms", series.GetProperty("plugin_name").GetString());
        Assert.Equal([3L], series.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("float64", series.GetProperty("dtypes")[0].GetString());
        Assert.Equal([3L, 3L], series.GetProperty("shapes")[0].EnumerateArray().Select(e => e.GetInt64()));
        var rows = series.GetProperty("values")[0].EnumerateArray().Select(r => r.EnumerateArray().Select(Json.Number).ToArray()).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Equal([-1, 0, double.NaN], rows[0]);
        Assert.Equal([2, 5, 1], rows[2]);
    }

    [Fact]
    public async Task GetTensors_Text_ReturnsUtf8Strings()
    {
        var run = await fixture.Seed.RunAsync("tensors", "text");
        var text = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = 1 } } } };
        text.StringVal.Add(ByteString.CopyFromUtf8("step 0 **ok** 学习"));
        await fixture.Seed.TensorsAsync(run, "notes", "text", [(0, 1, text)]);
        var client = await fixture.ClientAsync("tensors");

        var series = await Json.GetAsync(client, $"/api/v1/runs/{run}/tensors?tag=notes");
        Assert.Equal("step 0 **ok** 学习", series.GetProperty("values")[0][0].GetString());
    }

    [Fact]
    public async Task GetTensors_ScalarStringTensor_ReturnsTheStringWithShapeEmpty()
    {
        // What TensorBoard's text summaries write: a rank-0 DT_STRING tensor.
        var run = await fixture.Seed.RunAsync("tensors", "text-rank0");
        var text = new TensorProto { Dtype = DataType.DtString, TensorShape = new TensorShapeProto() };
        text.StringVal.Add(ByteString.CopyFromUtf8("hello **world**"));
        await fixture.Seed.TensorsAsync(run, "notes", "text", [(0, 1, text)]);
        var client = await fixture.ClientAsync("tensors");

        var series = await Json.GetAsync(client, $"/api/v1/runs/{run}/tensors?tag=notes");

        Assert.Equal("hello **world**", series.GetProperty("values")[0].GetString());
        Assert.Equal(0, series.GetProperty("shapes")[0].GetArrayLength());
        Assert.Equal("string", series.GetProperty("dtypes")[0].GetString());
    }

    [Fact]
    public async Task GetTensors_ManySteps_KeepsEvenlySpacedStepsWithFirstAndLast()
    {
        var run = await fixture.Seed.RunAsync("tensors", "many");
        await fixture.Seed.TensorsAsync(run, "h", "histograms", Enumerable.Range(0, 101).Select(i => ((long)i * 10, (double)i, Histogram([0], [1], [i]))));
        var client = await fixture.ClientAsync("tensors");

        var series = await Json.GetAsync(client, $"/api/v1/runs/{run}/tensors?tag=h&max_points=5");
        Assert.Equal([0L, 250, 500, 750, 1000], series.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
        Assert.True(series.GetProperty("downsampled").GetBoolean());
        Assert.Equal(101, series.GetProperty("points_in_range").GetInt64());

        var range = await Json.GetAsync(client, $"/api/v1/runs/{run}/tensors?tag=h&from_step=15&to_step=45");
        Assert.Equal([20L, 30, 40], range.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
    }

    [Theory]
    [InlineData("tag=h&max_points=1", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=h&max_points=-3", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=h&from_step=2&to_step=1", HttpStatusCode.BadRequest, "from_step")]
    [InlineData("tag=h&from_step=abc", HttpStatusCode.BadRequest, "from_step")]
    [InlineData("tag=h&max_points=2147483648", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=scalar", HttpStatusCode.BadRequest, "tag")]
    [InlineData("tag=%27%3B%20DELETE%20FROM%20tensor_points%3B--", HttpStatusCode.NotFound, "tag")]
    [InlineData("", HttpStatusCode.BadRequest, "tag")]
    public async Task GetTensors_BadParameters_ReturnExpectedStatus(string query, HttpStatusCode status, string parameter)
    {
        var run = await fixture.Seed.RunAsync("tensors-bad", "r-" + Guid.NewGuid().ToString("N"));
        await fixture.Seed.TensorsAsync(run, "h", "histograms", [(0, 1, Histogram([0], [1], [1]))]);
        await fixture.Seed.ScalarsAsync(run, "scalar", [(0, 1, 1)]);
        var client = await fixture.ClientAsync("tensors-bad");
        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/tensors?{query}"), status, parameter);
    }

    private static TensorProto Histogram(double[] left, double[] right, double[] count)
    {
        var tensor = new TensorProto
        {
            Dtype = DataType.DtDouble,
            TensorShape = new TensorShapeProto { Dim = { new TensorShapeProto.Types.Dim { Size = left.Length }, new TensorShapeProto.Types.Dim { Size = 3 } } },
        };
        for (var i = 0; i < left.Length; i++)
        {
            tensor.DoubleVal.Add([left[i], right[i], count[i]]);
        }

        return tensor;
    }
}
