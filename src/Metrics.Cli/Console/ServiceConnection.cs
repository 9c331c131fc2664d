namespace Metrics.Cli.Console;

/// <summary>
/// Where a client command connects and as whom: each of URL, token and project from its flag, else
/// its environment variable, else the stack `metrics up` is running (stack.json).
/// </summary>
internal sealed record ServiceConnection(Uri Url, string Token, string Project)
{
    /// <summary>
    /// Resolves the three settings of <paramref name="command"/>; null (after one line on
    /// <paramref name="error"/>) when one is missing or the URL is not http(s).
    /// </summary>
    public static async Task<ServiceConnection?> ResolveAsync(
        string command,
        (string Flag, string Variable, string? Value, Func<StackSettings, string> FromStack) url,
        string? token,
        string? project,
        TextWriter error)
    {
        var address = StackSettings.Resolve(url.Value, url.Variable, url.FromStack);
        var secret = StackSettings.Resolve(token, "METRICS_TOKEN", s => s.Token);
        var name = StackSettings.Resolve(project, "METRICS_PROJECT", s => s.Project);
        if (address is null || secret is null || name is null)
        {
            await error.WriteLineAsync($"metrics {command}: give {url.Flag}, --token and --project (or {url.Variable}, METRICS_TOKEN, METRICS_PROJECT, or run `metrics up` first).");
            return null;
        }

        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            await error.WriteLineAsync($"metrics {command}: {url.Flag} must be an http:// or https:// URL, not '{address}'.");
            return null;
        }

        return new ServiceConnection(uri, secret, name);
    }
}
