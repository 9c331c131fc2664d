using System.Globalization;
using System.Security.Claims;

namespace Metrics.Query.Auth;

/// <summary>The project a request's token speaks for; everything it may see belongs to that project.</summary>
internal sealed record Caller(long TokenId, long ProjectId, string Project)
{
    public const string TokenIdClaim = "metrics:token_id";
    public const string ProjectIdClaim = "metrics:project_id";
    public const string ProjectClaim = "metrics:project";
    public const string ScopeClaim = "metrics:scope";

    public static Caller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new Caller(
            long.Parse(user.FindFirstValue(TokenIdClaim)!, CultureInfo.InvariantCulture),
            long.Parse(user.FindFirstValue(ProjectIdClaim)!, CultureInfo.InvariantCulture),
            user.FindFirstValue(ProjectClaim)!);
    }

    /// <summary>404 (not 403) for another project's name, so project names do not leak.</summary>
    public void RequireProject(string project)
    {
        if (!string.Equals(project, Project, StringComparison.Ordinal))
        {
            throw Errors.QueryProblemException.NotFound($"project '{Truncate(project)}' not found", "project");
        }
    }

    /// <summary>Echoes user input in errors only up to a sane length.</summary>
    public static string Truncate(string text) => text.Length <= 100 ? text : text[..100] + "…";
}
