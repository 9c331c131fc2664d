using System.CommandLine;
using Metrics.Cli.Console;
using Metrics.Storage;
using Npgsql;

namespace Metrics.Cli.Db;

/// <summary>`metrics db migrate`: applies the schema migrations, then converts legacy scalar rows to chunks online.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var url = CliOptions.DatabaseUrl();
        var migrate = new Command("migrate", "Apply the schema migrations, then convert scalar points stored by schema version 2 into chunks while ingest keeps writing (safe to run concurrently and repeatedly).") { url };
        migrate.SetAction(async (parse, cancellationToken) =>
        {
            var database = StackSettings.Resolve(parse.GetValue(url), "METRICS_DATABASE_URL", s => s.DatabaseUrl);
            if (database is null)
            {
                await System.Console.Error.WriteLineAsync("metrics db migrate: no database: set METRICS_DATABASE_URL or pass --database-url.");
                return 2;
            }

            try
            {
                await using var dataSource = MetricsDataSource.Create(database, applicationName: "metrics-migrate");
                var applied = await new SchemaMigrator(dataSource).MigrateAsync(cancellationToken);
                System.Console.WriteLine(applied.Count == 0
                    ? $"Schema is up to date (version {SchemaMigrator.LatestVersion})."
                    : $"Applied migrations {string.Join(", ", applied)}; schema is at version {SchemaMigrator.LatestVersion}.");
                await LegacyScalarConversion.RunAsync(dataSource, TimeProvider.System, cancellationToken);
                return 0;
            }
            catch (Exception e) when (e is NpgsqlException or FormatException)
            {
                await System.Console.Error.WriteLineAsync(DatabaseErrors.Describe("db migrate", database, DatabaseErrors.FromLocalStack(parse.GetValue(url)), e));
                return 1;
            }
        });
        return new Command("db", "Database administration.") { migrate };
    }
}
