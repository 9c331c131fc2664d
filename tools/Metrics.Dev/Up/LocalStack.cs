using System.Globalization;
using System.Security.Cryptography;
using Metrics.Cli.Console;
using Metrics.LocalStack;
using Metrics.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Dev.Up;

/// <summary>
/// The local stack of `metrics up`: a private PostgreSQL cluster under the data folder, the
/// schema migrated, a dev project with a token, and ingest, query and exporter as separate
/// processes as in production. Stopping keeps the data; the next `up` reuses it.
/// </summary>
internal sealed class LocalStack(LocalStackSettings settings, TextWriter output, TextWriter error)
{
    public const string DevProject = "dev";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (PortCheck.FirstBusy(WantedPorts()) is { } busy)
        {
            await error.WriteLineAsync(
                $"metrics up: port {busy.Port} ({busy.What}) is already in use (another `metrics up`, or another program); free it or choose another with {busy.Flag} N.");
            return 1;
        }

        Directory.CreateDirectory(settings.DataDir);
        Directory.CreateDirectory(settings.Logdir);
        var logs = Directory.CreateDirectory(Path.Combine(settings.DataDir, "logs")).FullName;
        LocalPostgres postgres;
        try
        {
            postgres = await LocalPostgres.StartAsync(Path.Combine(settings.DataDir, "postgres"), settings.PostgresPort, durable: true, output, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            await error.WriteLineAsync("metrics up: PostgreSQL did not start: " + e.Message);
            return 1;
        }

        var services = new List<ServiceProcess>();
        try
        {
            var previous = StackSettings.TryLoad(settings.DataDir);
            var databaseUrl = postgres.Url("metrics");
            await EnsureDatabaseAsync(postgres.Url(), "metrics", cancellationToken);
            await using (var dataSource = MetricsDataSource.Create(databaseUrl, applicationName: "metrics-up"))
            {
                await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);
            }

            var pepper = previous?.TokenPepper ?? Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
            var token = await EnsureTokenAsync(databaseUrl, pepper, previous?.Token, cancellationToken);
            var common = new Dictionary<string, string>
            {
                ["METRICS_DATABASE_URL"] = databaseUrl,
                ["METRICS_TOKEN_PEPPER"] = pepper,
                ["METRICS_LISTEN"] = "loopback",
                ["METRICS_LOGDIR"] = settings.Logdir,
                ["DOTNET_ENVIRONMENT"] = "Production",
            };
            // Ingest's and the exporter's health ports are bound by the services (port 0) and read back.
            var plan = new (string Name, int HttpPort, Dictionary<string, string> Extra)[]
            {
                ("ingest", 0, new() { ["METRICS_GRPC_PORT"] = settings.IngestPort.ToString(CultureInfo.InvariantCulture) }),
                ("query", settings.QueryPort, new() { ["METRICS_TENSORBOARD_PORT"] = settings.TensorBoardPort.ToString(CultureInfo.InvariantCulture), ["METRICS_TENSORBOARD_PROJECTS"] = "*" }),
                ("exporter", 0, []),
            };
            foreach (var (name, httpPort, extra) in plan)
            {
                var environment = new Dictionary<string, string>(common) { ["METRICS_HTTP_PORT"] = httpPort.ToString(CultureInfo.InvariantCulture) };
                foreach (var (key, value) in extra)
                {
                    environment[key] = value;
                }

                var service = new ServiceProcess(ServiceProcessOptions.ForService(name, ServiceBinaries.Service(name), environment) with
                {
                    LogFile = Path.Combine(logs, name + ".log"),
                    ClearMetricsEnvironment = false,
                    RestartOnExit = true,
                    Status = error,
                });
                service.Start();
                services.Add(service);
            }

            foreach (var (service, name) in services.Select(s => (s, s.Name)))
            {
                var ready = service.WaitReadyAsync(TimeSpan.FromSeconds(90), cancellationToken);
                if (await Task.WhenAny(ready, service.FirstExit) == service.FirstExit || service.FirstExit.IsCompleted)
                {
                    // A service that stops during start-up says why on stderr; restarting it would not help.
                    var why = service.LastError ?? $"it exited with code {await service.FirstExit}";
                    await error.WriteLineAsync($"metrics up: {name} could not start: {why} (log: {Path.Combine(logs, name + ".log")})");
                    return 1;
                }

                if (!await ready)
                {
                    await error.WriteLineAsync($"metrics up: {name} did not become ready; see {Path.Combine(logs, name + ".log")}");
                    return 1;
                }
            }

            // The ports the services bound: those asked for, or the free ones they picked for 0.
            int Port(string name, string endpoint) => services.Single(s => s.Name == name).Endpoint(endpoint).Port;
            var stack = new StackSettings(
                databaseUrl, pepper,
                IngestUrl: $"http://127.0.0.1:{Port("ingest", "grpc")}",
                QueryUrl: $"http://127.0.0.1:{Port("query", "http")}",
                settings.Logdir, DevProject, token);
            stack.Save(settings.DataDir);
            var tensorBoardPort = Port("query", "tensorboard");
            await PrintAsync(stack, postgres, Port("ingest", "http"), Port("exporter", "http"), tensorBoardPort, logs);
            await using var tensorBoard = settings.ExitWhenReady ? null : await LocalTensorBoard.StartIfInstalledAsync(tensorBoardPort, Path.Combine(logs, "tensorboard.log"), output);
            if (settings.RunDemo)
            {
                await Demo.DemoRunner.RunAsync(new Uri(stack.IngestUrl), stack.Token, stack.Project, Demo.DemoRunner.DefaultSteps, output, error, cancellationToken);
            }

            if (settings.ExitWhenReady)
            {
                return 0;
            }

            await output.WriteLineAsync("Press Ctrl-C to stop (the data stays in " + settings.DataDir + ").");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("Stopping...");
            }

            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
        {
            await error.WriteLineAsync("metrics up: " + e.Message);
            return 1;
        }
        finally
        {
            await Task.WhenAll(services.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
            await postgres.StopAsync(CancellationToken.None);
        }
    }

    private IEnumerable<(int Port, string What, string Flag)> WantedPorts()
    {
        yield return (settings.IngestPort, "ingest gRPC", "--ingest-port");
        yield return (settings.QueryPort, "query REST API", "--query-port");
        yield return (settings.TensorBoardPort, "TensorBoard data provider", "--tensorboard-port");
        if (settings.PostgresPort is { } postgresPort)
        {
            yield return (postgresPort, "PostgreSQL", "--postgres-port");
        }
    }

    private async Task PrintAsync(StackSettings stack, LocalPostgres postgres, int ingestHttp, int exporterHttp, int tensorBoardPort, string logs)
    {
        await output.WriteLineAsync($"""

            Metrics is up.
              ingest (gRPC)   {stack.IngestUrl}        health http://127.0.0.1:{ingestHttp}/health/ready
              query (REST)    {stack.QueryUrl}         OpenAPI {stack.QueryUrl}/openapi/v1.json
              exporter        health http://127.0.0.1:{exporterHttp}/health/ready
              logdir          {stack.Logdir}/{DevProject}   (tensorboard --logdir {stack.Logdir}/{DevProject})
              TensorBoard     {LocalTensorBoard.Command(tensorBoardPort)}   (straight from PostgreSQL, every project)
              PostgreSQL      {postgres.Url("metrics")}   data {postgres.DataDir}
              logs            {logs}
              project         {DevProject}
              token           {stack.Token}

            Try:
              curl -H "Authorization: Bearer {stack.Token}" {stack.QueryUrl}/api/v1/projects/{DevProject}/runs
              export METRICS_SERVER={stack.IngestUrl} METRICS_QUERY={stack.QueryUrl} METRICS_TOKEN={stack.Token} METRICS_PROJECT={DevProject}
            """);
    }

    private static async Task EnsureDatabaseAsync(string adminUrl, string database, CancellationToken cancellationToken)
    {
        await using var admin = MetricsDataSource.Create(adminUrl, applicationName: "metrics-up");
        await using var exists = admin.CreateCommand("SELECT 1 FROM pg_database WHERE datname = $1");
        exists.Parameters.Add(new NpgsqlParameter { Value = database });
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = admin.CreateCommand($"CREATE DATABASE \"{database}\"");
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task<string> EnsureTokenAsync(string databaseUrl, string pepper, string? previous, CancellationToken cancellationToken)
    {
        await using var dataSource = MetricsDataSource.Create(databaseUrl, applicationName: "metrics-up");
        var store = new TokenStore(dataSource, Options.Create(new TokenOptions { Pepper = pepper }), TimeProvider.System);
        if (previous is not null && await store.AuthenticateAsync(previous, cancellationToken) is not null)
        {
            return previous;
        }

        return await store.CreateAsync(DevProject, TokenScope.Admin, "metrics up: dev token", null, cancellationToken);
    }
}
