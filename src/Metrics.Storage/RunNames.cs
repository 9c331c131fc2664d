using System.Text;

namespace Metrics.Storage;

/// <summary>
/// Run names are relative paths ("mnist/lr-0.01/train") that become folders of a logdir, so
/// anything that could leave the logdir or confuse a file system is refused here, at ingest,
/// and again at export.
/// </summary>
public static class RunNames
{
    public const int MaxLength = 512;
    public const int MaxSegmentBytes = 255;

    /// <summary>Null when <paramref name="name"/> is a valid run name, else why not.</summary>
    public static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "run name is empty";
        }

        if (name.Length > MaxLength)
        {
            return $"run name is longer than {MaxLength} characters";
        }

        if (name.StartsWith('/'))
        {
            return "run name must be a relative path (it starts with '/')";
        }

        foreach (var c in name)
        {
            if (c == '\\')
            {
                return "run name contains a backslash";
            }

            if (char.IsControl(c))
            {
                return "run name contains a control character";
            }

            if (char.IsSurrogate(c) && !IsWellFormed(name))
            {
                return "run name is not valid UTF-16/UTF-8";
            }
        }

        foreach (var segment in name.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "run name has an empty path segment";
            }

            if (segment is "." or "..")
            {
                return "run name has a '.' or '..' path segment";
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return $"a run name segment is longer than {MaxSegmentBytes} bytes";
            }
        }

        return null;
    }

    private static bool IsWellFormed(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }
}
