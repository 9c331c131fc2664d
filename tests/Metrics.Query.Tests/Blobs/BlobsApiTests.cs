using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Metrics.Query.Blobs;
using Metrics.Query.Tests.TestData;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Metrics.Query.Tests.Blobs;

public sealed class BlobsApiTests(QueryApiFixture fixture) : IClassFixture<QueryApiFixture>
{
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 1, 2, 3];
    private static readonly byte[] Wav = [.. "RIFF"u8, 36, 0, 0, 0, .. "WAVEfmt "u8, 1, 2, 3];
    private static readonly byte[] Other = [.. "32"u8];
    private static readonly byte[] Graph = [0x0a, 0x03, (byte)'a', (byte)'d', (byte)'d'];

    [Fact]
    public async Task ListBlobs_ImagesAudioGraph_GivesKeysSizesAndContentTypes()
    {
        var run = await fixture.Seed.RunAsync("blobs", "list");
        await fixture.Seed.BlobsAsync(run, "images/sample", "images", [(0, 1, [Other, Other, Png]), (5, 2, [Other, Other, Png])]);
        await fixture.Seed.BlobsAsync(run, "audio/clip", "audio", [(0, 1, [Wav, Other])]);
        await fixture.Seed.BlobsAsync(run, "__run_graph__", "graphs", [(0, 1, [Graph])]);
        var client = await fixture.ClientAsync("blobs");

        var images = await Json.GetAsync(client, $"/api/v1/runs/{run}/blobs?tag=images/sample");
        Assert.Equal([0L, 5L], images.GetProperty("steps").EnumerateArray().Select(e => e.GetInt64()));
        Assert.False(images.TryGetProperty("blobs", out _));
        var first = Assert.Single(images.GetProperty("images")[0].EnumerateArray());
        Assert.Equal(Hex(Png), first.GetProperty("key").GetString());
        Assert.Equal(Png.Length, first.GetProperty("size").GetInt64());
        Assert.Equal("image/png", first.GetProperty("content_type").GetString());
        Assert.Equal(32, first.GetProperty("width").GetInt32());
        Assert.Equal(32, first.GetProperty("height").GetInt32());
        Assert.Equal("/api/v1/blobs/" + Hex(Png), first.GetProperty("url").GetString());
        Assert.StartsWith("/api/v1/blobs/" + Hex(Png) + "?signature=", first.GetProperty("signed_url").GetString(), StringComparison.Ordinal);

        var audio = await Json.GetAsync(client, $"/api/v1/runs/{run}/blobs?tag=audio/clip");
        var clip = Assert.Single(audio.GetProperty("audio")[0].EnumerateArray());
        Assert.Equal("audio/wav", clip.GetProperty("content_type").GetString());
        Assert.Equal("32", clip.GetProperty("label").GetString());
        var graph = await Json.GetAsync(client, $"/api/v1/runs/{run}/blobs?tag=__run_graph__");
        Assert.Equal("application/x-protobuf", graph.GetProperty("blobs")[0][0].GetProperty("content_type").GetString());
    }

    [Fact]
    public async Task ListBlobs_Images_ComeBackAsOneImageWithWidthHeightAndUrl()
    {
        byte[] second = [.. Png, 9];
        var run = await fixture.Seed.RunAsync("blobs-images", "r");
        await fixture.Seed.BlobsAsync(run, "images/pair", "images", [(0, 1, [[.. "640"u8], [.. "480"u8], Png, second])]);
        await fixture.Seed.BlobsAsync(run, "audio/pair", "audio", [(0, 1, [Wav, [.. "hello"u8], Wav, [.. "bye"u8]])]);
        var client = await fixture.ClientAsync("blobs-images");

        var images = (await Json.GetAsync(client, $"/api/v1/runs/{run}/blobs?tag=images/pair")).GetProperty("images")[0].EnumerateArray().ToList();
        var audio = (await Json.GetAsync(client, $"/api/v1/runs/{run}/blobs?tag=audio/pair")).GetProperty("audio")[0].EnumerateArray().ToList();

        Assert.Equal(2, images.Count);
        Assert.All(images, image =>
        {
            Assert.Equal(640, image.GetProperty("width").GetInt32());
            Assert.Equal(480, image.GetProperty("height").GetInt32());
            Assert.Equal("image/png", image.GetProperty("content_type").GetString());
        });
        Assert.Equal([Hex(Png), Hex(second)], images.Select(i => i.GetProperty("key").GetString()));
        Assert.Equal(["hello", "bye"], audio.Select(a => a.GetProperty("label").GetString()));
        Assert.All(audio, clip => Assert.Equal("audio/wav", clip.GetProperty("content_type").GetString()));
    }

    [Fact]
    public async Task GetBlob_SignedUrlWithoutHeader_ServesThatBlobOnly()
    {
        byte[] other = [.. Png, 7, 7];
        var run = await fixture.Seed.RunAsync("blobs-signed", "r");
        await fixture.Seed.BlobsAsync(run, "images/x", "images", [(0, 1, [[.. "1"u8], [.. "1"u8], Png]), (1, 2, [[.. "1"u8], [.. "1"u8], other])]);
        var client = await fixture.ClientAsync("blobs-signed");
        var image = (await Json.GetAsync(client, $"/api/v1/runs/{run}/blobs?tag=images/x")).GetProperty("images")[0][0];
        var signedUrl = image.GetProperty("signed_url").GetString()!;
        var signature = signedUrl[(signedUrl.IndexOf("signature=", StringComparison.Ordinal) + "signature=".Length)..];
        var anonymous = fixture.Factory.CreateClient();

        var response = await anonymous.GetAsync(signedUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Private: true, MaxAge.TotalSeconds: > 0 and <= 960 }, response.Headers.CacheControl?.ToString());
        Assert.True(image.GetProperty("signed_url_expires_at").GetInt64() > DateTimeOffset.UtcNow.ToUnixTimeSeconds());

        // The signature opens nothing else: another blob, a tampered signature, an expired one, no signature at all.
        await Problems.AssertAsync(await anonymous.GetAsync("/api/v1/blobs/" + Hex(other) + "?signature=" + signature), HttpStatusCode.Forbidden, "signature");
        await Problems.AssertAsync(await anonymous.GetAsync(signedUrl[..^2] + (signedUrl[^2] == 'A' ? "BB" : "AA")), HttpStatusCode.Forbidden, "signature");
        var parts = signature.Split('.');
        await Problems.AssertAsync(await anonymous.GetAsync("/api/v1/blobs/" + Hex(Png) + "?signature=" + parts[0] + "." + (long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 60) + "." + parts[2]), HttpStatusCode.Forbidden, "signature");
        var expired = Signer(TimeSpan.FromHours(-2)).Sign(Hex(Png), long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture)).Url;
        var expiredProblem = await Problems.AssertAsync(await anonymous.GetAsync(expired), HttpStatusCode.Forbidden, "signature");
        Assert.Contains("expired", expiredProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/blobs/" + Hex(Png))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/runs/{run}/blobs?tag=images/x&signature=" + signature)).StatusCode);
    }

    [Theory]
    [InlineData("BLOB_URL_SECRET", "too-short")]
    [InlineData("BLOB_URL_TTL_SECONDS", "0")]
    [InlineData("BLOB_URL_TTL_SECONDS", "86401")]
    public void AddBlobUrls_BadSetting_RefusedNamingTheVariable(string setting, string value)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [setting] = value }).Build();
        using var services = new ServiceCollection().AddBlobUrls(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => (object)services.GetRequiredService<IOptions<BlobUrlOptions>>().Value);

        Assert.Contains("METRICS_" + setting, error.Message, StringComparison.Ordinal);
    }

    private static Metrics.Query.Blobs.BlobUrlSigner Signer(TimeSpan shift) => new(
        Microsoft.Extensions.Options.Options.Create(new Metrics.Query.Blobs.BlobUrlOptions()),
        Microsoft.Extensions.Options.Options.Create(new Metrics.Storage.TokenOptions { Pepper = QueryApiFixture.Pepper }),
        new ShiftedTime(shift));

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }

    [Fact]
    public async Task GetBlob_ServesBytesWithEtagCacheForeverAnd304()
    {
        var run = await fixture.Seed.RunAsync("blobs", "bytes");
        await fixture.Seed.BlobsAsync(run, "images/x", "images", [(0, 1, [Png])]);
        var client = await fixture.ClientAsync("blobs");
        var key = Hex(Png);

        var response = await client.GetAsync("/api/v1/blobs/" + key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Png, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("\"" + key + "\"", response.Headers.ETag?.Tag);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());

        using var again = new HttpRequestMessage(HttpMethod.Get, "/api/v1/blobs/" + key);
        again.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"" + key + "\""));
        var notModified = await client.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        Assert.Equal("\"" + key + "\"", notModified.Headers.ETag?.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Get, "/api/v1/blobs/" + key);
        stale.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"" + new string('0', 64) + "\""));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(stale)).StatusCode);
    }

    [Fact]
    public async Task GetBlob_OfAnotherProject_Returns404()
    {
        byte[] secret = [.. Png, .. "secret"u8];
        var run = await fixture.Seed.RunAsync("blobs-owner", "r");
        await fixture.Seed.BlobsAsync(run, "images/x", "images", [(0, 1, [secret])]);
        var owner = await fixture.ClientAsync("blobs-owner");
        var stranger = await fixture.ClientAsync("blobs-stranger");

        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/api/v1/blobs/" + Hex(secret))).StatusCode);
        await Problems.AssertAsync(await stranger.GetAsync("/api/v1/blobs/" + Hex(secret)), HttpStatusCode.NotFound, "blobId");
        await Problems.AssertAsync(await stranger.GetAsync($"/api/v1/runs/{run}/blobs?tag=images/x"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("tag=images/x&to_step=abc", HttpStatusCode.BadRequest, "to_step")]
    [InlineData("tag=images/x&max_points=1", HttpStatusCode.BadRequest, "max_points")]
    [InlineData("tag=images/x&from_step=9&to_step=1", HttpStatusCode.BadRequest, "from_step")]
    [InlineData("tag=scalar", HttpStatusCode.BadRequest, "tag")]
    [InlineData("tag=images/y", HttpStatusCode.NotFound, "tag")]
    [InlineData("", HttpStatusCode.BadRequest, "tag")]
    public async Task ListBlobs_BadParameters_ReturnExpectedStatus(string query, HttpStatusCode status, string parameter)
    {
        var run = await fixture.Seed.RunAsync("blobs-bad-list", "r-" + Guid.NewGuid().ToString("N"));
        await fixture.Seed.BlobsAsync(run, "images/x", "images", [(0, 1, [Png])]);
        await fixture.Seed.ScalarsAsync(run, "scalar", [(0, 1, 1)]);
        var client = await fixture.ClientAsync("blobs-bad-list");

        await Problems.AssertAsync(await client.GetAsync($"/api/v1/runs/{run}/blobs?{query}"), status, parameter);
    }

    [Theory]
    [InlineData("abc", HttpStatusCode.BadRequest)]
    [InlineData("ZZ00000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.BadRequest)]
    [InlineData("AB00000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.BadRequest)]
    [InlineData("%27%20OR%20%271%27%3D%271", HttpStatusCode.BadRequest)]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000", HttpStatusCode.NotFound)]
    public async Task GetBlob_BadOrUnknownId_ReturnsExpectedStatus(string id, HttpStatusCode status)
    {
        var client = await fixture.ClientAsync("blobs-bad");
        await Problems.AssertAsync(await client.GetAsync("/api/v1/blobs/" + id), status, "blobId");
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
