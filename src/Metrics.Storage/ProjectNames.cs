using System.Text.RegularExpressions;

namespace Metrics.Storage;

/// <summary>Project names become one folder of an exported logdir, so they are kept simple.</summary>
public static partial class ProjectNames
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is 1–100 of [A-Za-z0-9._-], not "." or "..".</summary>
    public static void Validate(string name)
    {
        if (!IsValid(name))
        {
            throw new ArgumentException("project must be 1-100 characters of letters, digits, '.', '_' and '-', and not '.' or '..'.", nameof(name));
        }
    }

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= 100 } && name != "." && name != ".." && Pattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex Pattern();
}
