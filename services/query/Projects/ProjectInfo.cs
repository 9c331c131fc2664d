namespace Metrics.Query.Projects;

/// <summary>A project the token can see (a token belongs to exactly one).</summary>
internal sealed record ProjectInfo(string Name, DateTime CreatedAt, int RunCount);
