namespace Metrics.Query.Projects;

/// <summary>GET /projects: the token's own project.</summary>
internal sealed record ProjectList(IReadOnlyList<ProjectInfo> Projects);
