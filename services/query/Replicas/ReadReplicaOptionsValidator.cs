using Microsoft.Extensions.Options;

namespace Metrics.Query.Replicas;

/// <summary>A METRICS_DATABASE_READ_URL that does not parse stops the service at start-up, naming what is wrong.</summary>
internal sealed class ReadReplicaOptionsValidator : IValidateOptions<ReadReplicaOptions>
{
    public ValidateOptionsResult Validate(string? name, ReadReplicaOptions options)
    {
        if (string.IsNullOrEmpty(options.ReadUrl))
        {
            return ValidateOptionsResult.Success;
        }

        try
        {
            _ = ReadReplicas.Servers(options.ReadUrl);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return ValidateOptionsResult.Fail(e.Message.StartsWith("METRICS_DATABASE_READ_URL", StringComparison.Ordinal) ? e.Message : "METRICS_DATABASE_READ_URL: " + e.Message);
        }
    }
}
