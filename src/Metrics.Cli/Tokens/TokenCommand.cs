using System.CommandLine;

namespace Metrics.Cli.Tokens;

/// <summary>`metrics token create|list|revoke`: API tokens, straight in the database (like `db migrate`).</summary>
internal static class TokenCommand
{
    public static Command Create() => new("token", "API tokens.")
    {
        TokenCreateCommand.Create(),
        TokenListCommand.Create(),
        TokenRevokeCommand.Create(),
    };
}
