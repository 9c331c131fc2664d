using System.ComponentModel.DataAnnotations;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// The TensorBoard data-provider port (METRICS_TENSORBOARD_*). TensorBoard's client sends no
/// credentials, so the port is off unless METRICS_TENSORBOARD_PORT is set, binds loopback unless
/// METRICS_TENSORBOARD_LISTEN=any, and serves only METRICS_TENSORBOARD_PROJECTS (docs/tensorboard.md).
/// </summary>
internal sealed class TensorBoardOptions : IValidatableObject
{
    public const string AllProjects = "*";

    /// <summary>The gRPC port (HTTP/2 only; h2c, or TLS with METRICS_TLS_CERT). Unset: no port; 0 picks a free port (tests).</summary>
    [Range(0, 65535, ErrorMessage = "METRICS_TENSORBOARD_PORT must be a port number between 0 and 65535 (unset: off).")]
    [ConfigurationKeyName("TENSORBOARD_PORT")]
    public int? Port { get; set; }

    /// <summary>"loopback" (default: TensorBoard on the same host) or "any" (a container behind a NetworkPolicy).</summary>
    [RegularExpression("^(any|loopback)$", ErrorMessage = "METRICS_TENSORBOARD_LISTEN must be 'any' or 'loopback'.")]
    [ConfigurationKeyName("TENSORBOARD_LISTEN")]
    public string Listen { get; set; } = "loopback";

    /// <summary>Comma-separated project names the port serves, or "*" for every project.</summary>
    [ConfigurationKeyName("TENSORBOARD_PROJECTS")]
    public string Projects { get; set; } = "";

    public bool Enabled => Port is not null;

    /// <summary>The allowed project names; null means every project.</summary>
    public IReadOnlySet<string>? AllowedProjects => Projects.Trim() == AllProjects
        ? null
        : Projects.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Enabled && AllowedProjects is { Count: 0 })
        {
            yield return new ValidationResult(
                "METRICS_TENSORBOARD_PROJECTS must name the projects the TensorBoard port serves (comma-separated) or be '*' for all: the port has no authentication.",
                [nameof(Projects)]);
        }
    }
}
