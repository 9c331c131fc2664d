using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Metrics.Cli.Console;

namespace Metrics.Cli.Tokens;

/// <summary>`metrics token list --project P [--json]`: the project's tokens (ids, scopes, notes, dates; never the secrets, which are stored only as hashes).</summary>
internal static class TokenListCommand
{
    public static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Project whose tokens to list.", Required = true };
        var json = CliOptions.Json();
        var url = CliOptions.DatabaseUrl();
        var pepper = CliOptions.Pepper();
        var list = new Command("list", "List a project's tokens: id, scope, state, created, expires, description.") { project, json, url, pepper };
        list.SetAction(async (parse, cancellationToken) =>
            await new TokenDatabase("token list", parse.GetValue(url), parse.GetValue(pepper)).RunAsync(async store =>
            {
                var tokens = await store.ListAsync(parse.GetValue(project)!, cancellationToken);
                var now = DateTimeOffset.UtcNow;
                if (parse.GetValue(json))
                {
                    System.Console.WriteLine(JsonSerializer.Serialize(tokens.Select(t => new
                    {
                        id = t.TokenId,
                        project = t.Project,
                        scope = t.Scope.ToString().ToLowerInvariant(),
                        state = State(t, now),
                        created_at = t.CreatedAt,
                        expires_at = t.ExpiresAt,
                        revoked_at = t.RevokedAt,
                        description = t.Description,
                    })));
                    return 0;
                }

                System.Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"ID",-6} {"SCOPE",-6} {"STATE",-8} {"CREATED (UTC)",-17} {"EXPIRES (UTC)",-17} DESCRIPTION"));
                foreach (var t in tokens)
                {
                    System.Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{t.TokenId,-6} {t.Scope.ToString().ToLowerInvariant(),-6} {State(t, now),-8} {t.CreatedAt.UtcDateTime,-17:yyyy-MM-dd HH:mm} {(t.ExpiresAt is { } e ? e.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "never"),-17} {t.Description}"));
                }

                return 0;
            }));
        return list;
    }

    private static string State(Storage.TokenInfo token, DateTimeOffset now) =>
        token.RevokedAt is not null ? "revoked" : token.ExpiresAt is { } e && e <= now ? "expired" : "active";
}
