using System.CommandLine;
using System.Globalization;
using Metrics.Cli.Console;

namespace Metrics.Cli.Tokens;

/// <summary>`metrics token revoke ID|TOKEN`: revokes a token by the id `token list` shows, or by the token itself.</summary>
internal static class TokenRevokeCommand
{
    private const string Delay =
        "services that verified it recently accept it until their token cache expires (METRICS_TOKEN_CACHE_SECONDS, default 30 s).";

    public static Command Create()
    {
        var which = new Argument<string>("id-or-token") { Description = "The token's id (from `metrics token list`) or the token itself (mt_...)." };
        var url = CliOptions.DatabaseUrl();
        var pepper = CliOptions.Pepper();
        var revoke = new Command("revoke", "Revoke a token; it stops working within METRICS_TOKEN_CACHE_SECONDS (default 30 s).") { which, url, pepper };
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            var value = parse.GetValue(which)!.Trim();
            var isId = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id);
            if (!isId && !value.StartsWith("mt_", StringComparison.Ordinal))
            {
                await System.Console.Error.WriteLineAsync($"metrics token revoke: '{value}' is neither a token id (a number from `metrics token list`) nor a token (mt_...).");
                return 2;
            }

            return await new TokenDatabase("token revoke", parse.GetValue(url), parse.GetValue(pepper)).RunAsync(async store =>
            {
                if (isId)
                {
                    if (await store.RevokeAsync(id, cancellationToken) is not { } revoked)
                    {
                        await System.Console.Error.WriteLineAsync($"metrics token revoke: no active token has id {value} (see `metrics token list --project P`).");
                        return 1;
                    }

                    System.Console.WriteLine($"Revoked token {revoked.TokenId} ({revoked.Scope.ToString().ToLowerInvariant()}, project {revoked.Project}); {Delay}");
                    return 0;
                }

                if (!await store.RevokeAsync(value, cancellationToken))
                {
                    await System.Console.Error.WriteLineAsync("metrics token revoke: that token is unknown or already revoked (a token of another pepper is unknown too).");
                    return 1;
                }

                System.Console.WriteLine($"Revoked the token; {Delay}");
                return 0;
            });
        });
        return revoke;
    }
}
