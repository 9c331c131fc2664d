using Npgsql;

namespace Metrics.Storage;

/// <summary>
/// Turns METRICS_DATABASE_URL into an Npgsql connection string. Both the URL form
/// (postgres://user:password@host:port/database?sslmode=require) and Npgsql's keyword form
/// (Host=...;Username=...) are accepted, since operators paste either.
/// </summary>
public static class DatabaseUrl
{
    /// <summary>Converts <paramref name="value"/>; throws <see cref="FormatException"/> naming the problem and <paramref name="setting"/>.</summary>
    public static string ToConnectionString(string value, string setting = "METRICS_DATABASE_URL")
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            && !value.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(value).ConnectionString;
            }
            catch (ArgumentException e)
            {
                throw new FormatException(setting + " is neither a postgres:// URL nor a valid connection string: " + e.Message, e);
            }
        }

        // libpq's multi-host form (postgres://u@h1:5432,h2:5432/db): System.Uri takes one host, so
        // the URL is parsed with a stand-in and the list goes to Npgsql's Host as it is.
        var hosts = HostList(value, setting);
        var single = hosts is null ? value : string.Concat(value.AsSpan(0, hosts.Value.Start), StandIn, value.AsSpan(hosts.Value.Start + hosts.Value.Text.Length));
        if (!Uri.TryCreate(single, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException(setting + " is not a valid postgres:// URL.");
        }

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = hosts?.Text ?? uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var val = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            // Unix-socket hosts come as ?host=/var/run/postgresql; libpq's names map onto Npgsql's.
            try
            {
                builder[Keyword(key)] = key.Equals("load_balance_hosts", StringComparison.OrdinalIgnoreCase)
                    ? val.Equals("random", StringComparison.OrdinalIgnoreCase).ToString()
                    : val;
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"{setting}: the query parameter '{key}' is not understood: {e.Message}", e);
            }
        }

        return builder.ConnectionString;
    }

    private const string StandIn = "multi-host.invalid";

    private static string Keyword(string key) => key.ToLowerInvariant() switch
    {
        "sslmode" => "SSL Mode",
        "target_session_attrs" => "Target Session Attributes",
        "load_balance_hosts" => "Load Balance Hosts",
        "connect_timeout" => "Timeout",
        _ => key,
    };

    /// <summary>The host list of a multi-host URL and where it starts (null when the URL names one host).</summary>
    private static (string Text, int Start)? HostList(string url, string setting)
    {
        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var end = url.IndexOfAny(['/', '?'], authorityStart);
        var authority = end < 0 ? url[authorityStart..] : url[authorityStart..end];
        var hostsStart = authority.LastIndexOf('@') + 1;
        var hosts = authority[hostsStart..];
        if (!hosts.Contains(',', StringComparison.Ordinal))
        {
            return null;
        }

        if (hosts.Split(',').Any(string.IsNullOrWhiteSpace))
        {
            throw new FormatException(setting + " lists an empty host: " + hosts);
        }

        return (hosts, authorityStart + hostsStart);
    }
}
