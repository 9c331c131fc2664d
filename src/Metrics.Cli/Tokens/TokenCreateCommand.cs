using System.CommandLine;
using Metrics.Cli.Console;
using Metrics.Storage;

namespace Metrics.Cli.Tokens;

/// <summary>`metrics token create --project P --scope read|write|admin`: prints only the new token.</summary>
internal static class TokenCreateCommand
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
            var name = parse.GetValue(project)!;
            if (!ProjectNames.IsValid(name))
            {
                await System.Console.Error.WriteLineAsync($"metrics token create: --project '{name}' is not a project name: use 1-100 letters, digits, '.', '_' and '-' (not '.' or '..').");
                return 2;
            }

            return await new TokenDatabase("token create", parse.GetValue(url), parse.GetValue(pepper)).RunAsync(async store =>
            {
                var days = parse.GetValue(expires);
                var token = await store.CreateAsync(
                    name,
                    Enum.Parse<TokenScope>(parse.GetValue(scope)!, ignoreCase: true),
                    parse.GetValue(description) ?? "",
                    days is null ? null : DateTimeOffset.UtcNow.AddDays(days.Value),
                    cancellationToken);
                System.Console.WriteLine(token);
                return 0;
            });
        });
        return create;
    }
}
