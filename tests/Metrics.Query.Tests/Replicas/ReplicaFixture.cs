using System.Net.Http.Headers;
using Metrics.LocalStack;
using Metrics.LocalStack.Replication;
using Metrics.Storage;
using Metrics.Storage.Writes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Query.Tests.Replicas;

/// <summary>
/// A private primary (synchronous_commit off, as the test clusters run) with a migrated database
/// and a hot standby streaming from it; query services over them with METRICS_DATABASE_READ_URL
/// pointing at standbys, and the ingest write path (PointWriter) on the primary.
/// </summary>
public sealed class ReplicaFixture : IAsyncLifetime
{
    public const string Project = "replicas";
    private const string Pepper = "replica-tests-pepper-0123456789";
    private const string Database = "metrics";

    private readonly string _dir = Directory.CreateTempSubdirectory("metrics-replica-tests-").FullName;
    private readonly List<LocalStandby> _extraStandbys = [];
    private string _token = "";
    private int _writes;

    public LocalPostgres Primary { get; private set; } = null!;

    public LocalStandby Standby { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public string PrimaryUrl => Primary.Url(Database);

    public async Task InitializeAsync()
    {
        // The postgres user (the clusters' owner when we are root) must be able to enter it.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(_dir, (UnixFileMode)0b111_101_101);
        }

        Primary = await LocalPostgres.StartAsync(Path.Combine(_dir, "primary"), port: null, durable: false, log: null, CancellationToken.None);
        await using (var admin = NpgsqlDataSource.Create(DatabaseUrl.ToConnectionString(Primary.Url())))
        {
            await admin.CreateCommand($"CREATE DATABASE {Database}").ExecuteNonQueryAsync();
        }

        DataSource = MetricsDataSource.Create(PrimaryUrl);
        await new SchemaMigrator(DataSource).MigrateAsync(CancellationToken.None);
        _token = await new TokenStore(DataSource, Options.Create(new TokenOptions { Pepper = Pepper, CacheSeconds = 0 }), TimeProvider.System)
            .CreateAsync(Project, TokenScope.Read, "replica tests", null, CancellationToken.None);
        Standby = await LocalStandby.StartAsync(Primary, new StandbyOptions { ApplicationName = "query-tests", DataDir = Path.Combine(_dir, "standby") }, log: null, CancellationToken.None);
    }

    /// <summary>Another standby of the primary (stopped and removed with the fixture).</summary>
    public async Task<LocalStandby> StartStandbyAsync(string name)
    {
        var standby = await LocalStandby.StartAsync(Primary, new StandbyOptions { ApplicationName = name, DataDir = Path.Combine(_dir, name) }, log: null, CancellationToken.None);
        _extraStandbys.Add(standby);
        return standby;
    }

    /// <summary>
    /// The query service (in this process, real HTTP pipeline) reading from <paramref name="readUrl"/>;
    /// with <paramref name="tensorBoard"/>, on real Kestrel ports with the TensorBoard port serving <see cref="Project"/>.
    /// </summary>
    public WebApplicationFactory<Program> Query(string readUrl, int freshnessTimeoutMs, bool tensorBoard = false)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            if (tensorBoard)
            {
                web.UseSetting("LISTEN", "loopback");
                web.UseSetting("HTTP_PORT", "0");
                web.UseSetting("TENSORBOARD_PORT", "0");
                web.UseSetting("TENSORBOARD_PROJECTS", Project);
            }

            web.UseSetting("DATABASE_URL", PrimaryUrl);
            web.UseSetting("DATABASE_READ_URL", readUrl);
            web.UseSetting("READ_FRESHNESS_TIMEOUT_MS", freshnessTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            web.UseSetting("TOKEN_PEPPER", Pepper);
            web.UseSetting("TOKEN_CACHE_SECONDS", "0");
        });
        if (tensorBoard)
        {
            factory.UseKestrel();
            factory.StartServer();
        }

        return factory;
    }

    public HttpClient Client(WebApplicationFactory<Program> query)
    {
        var client = query.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _token);
        return client;
    }

    /// <summary>Writes one scalar point to a new run through the ingest write path; returns once it is acknowledged (committed).</summary>
    public async Task<long> WriteAsync(string tag, long step, double value)
    {
        var runs = new RunStore(DataSource);
        var projectId = await runs.EnsureProjectAsync(Project, CancellationToken.None);
        var run = await runs.OpenRunAsync(projectId, "run-" + Interlocked.Increment(ref _writes).ToString(System.Globalization.CultureInfo.InvariantCulture), "replica-tests", cancellationToken: CancellationToken.None);
        await new PointWriter(DataSource).WriteAsync(new WriteBatch
        {
            RunId = run.RunId,
            WriterId = "replica-tests",
            Seq = 1,
            Metadata = [new SeriesDefinition(tag, SeriesDataClass.Scalar, "scalars", [])],
            Scalars = [new ScalarPoints(tag, [step], [1.0], [value])],
        }, CancellationToken.None);
        return run.RunId;
    }

    public async Task DisposeAsync()
    {
        foreach (var standby in _extraStandbys)
        {
            await standby.DisposeAsync();
        }

        if (Standby is not null)
        {
            await Standby.DisposeAsync();
        }

        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        if (Primary is not null)
        {
            await Primary.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }
}
