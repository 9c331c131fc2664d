using Metrics.Cli.Console;
using Metrics.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Metrics.Cli.Tokens;

/// <summary>
/// The token commands' database and pepper (flag, environment, local stack) and their one error
/// line: an unreachable database names itself and how to start the stack, not only the socket error.
/// </summary>
internal sealed class TokenDatabase(string command, string? urlFlag, string? pepperFlag)
{
    /// <summary>Runs <paramref name="action"/> against the token store; exit 2 when settings are missing, 1 on a database error.</summary>
    public async Task<int> RunAsync(Func<TokenStore, Task<int>> action)
    {
        var database = StackSettings.Resolve(urlFlag, "METRICS_DATABASE_URL", s => s.DatabaseUrl);
        // Listing and revoking by id never hash a token, so any pepper does for them.
        var pepper = StackSettings.Resolve(pepperFlag, "METRICS_TOKEN_PEPPER", s => s.TokenPepper);
        if (database is null || pepper is null)
        {
            await System.Console.Error.WriteLineAsync($"metrics {command}: set METRICS_DATABASE_URL and METRICS_TOKEN_PEPPER (or --database-url and --token-pepper), or run `./metrics up` first.");
            return 2;
        }

        try
        {
            await using var dataSource = MetricsDataSource.Create(database, applicationName: "metrics-token");
            return await action(new TokenStore(dataSource, Options.Create(new TokenOptions { Pepper = pepper }), TimeProvider.System));
        }
        catch (Exception e) when (e is NpgsqlException or FormatException)
        {
            await System.Console.Error.WriteLineAsync(DatabaseErrors.Describe(command, database, DatabaseErrors.FromLocalStack(urlFlag), e));
            return 1;
        }
    }
}
