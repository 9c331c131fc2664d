using System.Security.Cryptography;
using Metrics.Query.Blobs;
using Metrics.Query.Tests.TestData;
using Metrics.Testing;

namespace Metrics.Query.Tests.Blobs;

public sealed class BlobAccessTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly byte[] Width = [.. "28"u8];
    private static readonly byte[] Png = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 7, 7];

    [Fact]
    public async Task FindPluginAsync_KeyAfterOtherKeysOfThePoint_FindsIt()
    {
        var seed = new TestSeeder(db.DataSource);
        var run = await seed.RunAsync("access-order", "r");
        await seed.BlobsAsync(run, "images/x", "images", [(0, 1, [Width, Width, Png])]);

        var plugin = await FindAsync(await seed.ProjectAsync("access-order"), Png);

        Assert.Equal("images", plugin);
    }

    [Fact]
    public async Task FindPluginAsync_SameBytesInTwoProjects_AnswersEachFromItsOwnRuns()
    {
        byte[] shared = [.. Png, .. "shared"u8];
        var seed = new TestSeeder(db.DataSource);
        await seed.BlobsAsync(await seed.RunAsync("access-a", "r"), "images/x", "images", [(0, 1, [shared])]);
        await seed.BlobsAsync(await seed.RunAsync("access-b", "r"), "audio/x", "audio", [(3, 1, [shared])]);

        Assert.Equal("images", await FindAsync(await seed.ProjectAsync("access-a"), shared));
        Assert.Equal("audio", await FindAsync(await seed.ProjectAsync("access-b"), shared));
        Assert.Null(await FindAsync(await seed.ProjectAsync("access-c"), shared));
    }

    private async Task<string?> FindAsync(long projectId, byte[] content)
    {
        await using var connection = await db.DataSource.OpenConnectionAsync();
        return await BlobAccess.FindPluginAsync(connection, projectId, SHA256.HashData(content), CancellationToken.None);
    }
}
