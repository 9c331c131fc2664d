using System.CommandLine;
using Metrics.Cli.Console;
using Metrics.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Cli.Tokens;

/// <summary>`metrics token create --project P --scope read|write|admin`: prints only the new token.</summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Project the token belongs to (created if new).", Required = true };
        var scope = new Option<string>("--scope") { Description = "read, write or admin.", DefaultValueFactory = _ => "write" };
        scope.AcceptOnlyFromAmong("read", "write", "admin");
        var description = new Option<string>("--description") { Description = "A note on who uses it.", DefaultValueFactory = _ => "" };
        var expires = new Option<int?>("--expires-days") { Description = "Days until the token expires (default: never)." };
        var url = CliOptions.DatabaseUrl();
        var pepper = CliOptions.Pepper();
        var create = new Command("create", "Create an API token; prints only the token on stdout.") { project, scope, description, expires, url, pepper };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var database = StackSettings.Resolve(parse.GetValue(url), "METRICS_DATABASE_URL", s => s.DatabaseUrl);
            var secret = StackSettings.Resolve(parse.GetValue(pepper), "METRICS_TOKEN_PEPPER", s => s.TokenPepper);
            if (database is null || secret is null)
            {
                await System.Console.Error.WriteLineAsync("metrics token create: set METRICS_DATABASE_URL and METRICS_TOKEN_PEPPER (or run `metrics up` first).");
                return 2;
            }

            try
            {
                await using var dataSource = MetricsDataSource.Create(database, applicationName: "metrics-token");
                var store = new TokenStore(dataSource, Options.Create(new TokenOptions { Pepper = secret }), TimeProvider.System);
                var days = parse.GetValue(expires);
                var token = await store.CreateAsync(
                    parse.GetValue(project)!,
                    Enum.Parse<TokenScope>(parse.GetValue(scope)!, ignoreCase: true),
                    parse.GetValue(description) ?? "",
                    days is null ? null : DateTimeOffset.UtcNow.AddDays(days.Value),
                    cancellationToken);
                System.Console.WriteLine(token);
                return 0;
            }
            catch (Exception e) when (e is NpgsqlException or ArgumentException or FormatException)
            {
                await System.Console.Error.WriteLineAsync("metrics token create: " + e.Message);
                return 1;
            }
        });
        return new Command("token", "API tokens.") { create };
    }
}
