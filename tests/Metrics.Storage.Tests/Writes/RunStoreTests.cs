using Metrics.Storage.Writes;
using Metrics.Testing;
using static Metrics.Storage.Tests.Writes.WriteTestData;
using static Metrics.Testing.StoredData;

namespace Metrics.Storage.Tests.Writes;

public sealed class RunStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly CancellationToken _ct = CancellationToken.None;

    [Fact]
    public async Task OpenRunAsync_RestartForNewWriterOnly_AppliedOnce()
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("runs", _ct);
        var run = (await store.OpenRunAsync(project, "open-restart", "w1", cancellationToken: _ct)).RunId;
        var writer = new PointWriter(db.DataSource);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w1", Seq = 1, Metadata = [Scalar("x")], Scalars = [Points("x", (1, 1), (2, 2), (3, 3))] }, _ct);

        var second = await store.OpenRunAsync(project, "open-restart", "w2", restartAtStep: 2, cancellationToken: _ct);
        await writer.WriteAsync(new WriteBatch { RunId = run, WriterId = "w2", Seq = 1, Scalars = [Points("x", (2, 22))] }, _ct);
        var again = await store.OpenRunAsync(project, "open-restart", "w2", restartAtStep: 2, cancellationToken: _ct);

        Assert.Equal(run, second.RunId);
        Assert.True(second.WriterCreated);
        Assert.False(again.WriterCreated);
        Assert.Equal(1L, again.LastCommittedSeq);
        Assert.Equal([(1L, 1.0), (2L, 22.0)], await ReadScalarsAsync(db.DataSource, run, "x"));
    }

    [Fact]
    public async Task OpenRunAsync_HParams_MergedIntoRun()
    {
        var store = new RunStore(db.DataSource);
        var project = await store.EnsureProjectAsync("runs", _ct);

        await store.OpenRunAsync(project, "hp", "w1", new Dictionary<string, object> { ["lr"] = 0.01, ["opt"] = "adam" }, hparamMetrics: ["loss"], cancellationToken: _ct);
        var result = await store.OpenRunAsync(project, "hp", "w2", new Dictionary<string, object> { ["bs"] = 32.0, ["nan"] = double.NaN }, hparamMetrics: ["acc", "loss"], cancellationToken: _ct);

        await using var command = db.DataSource.CreateCommand("SELECT hparams::text, array_to_string(hparam_metrics, ',') FROM runs WHERE run_id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<long> { TypedValue = result.RunId });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal("""{"bs": 32, "lr": 0.01, "nan": "NaN", "opt": "adam"}""", reader.GetString(0));
        Assert.Equal("loss,acc", reader.GetString(1));
    }
}
