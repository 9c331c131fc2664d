namespace Metrics.Ingest.Validation;

/// <summary>Rules for tags and writer ids: bounded length, well-formed Unicode, no control characters.</summary>
internal static class Names
{
    public const int MaxWriterIdLength = 200;

    /// <summary>Null when <paramref name="tag"/> is a valid tag, else why not.</summary>
    public static string? TagProblem(string tag, int maxLength)
    {
        if (tag.Length == 0)
        {
            return "tag is empty";
        }

        if (tag.Length > maxLength)
        {
            return $"tag is longer than {maxLength} characters";
        }

        return TextProblem(tag, "tag");
    }

    public static string? WriterIdProblem(string writerId)
    {
        if (writerId.Length == 0)
        {
            return "writer_id is empty";
        }

        if (writerId.Length > MaxWriterIdLength)
        {
            return $"writer_id is longer than {MaxWriterIdLength} characters";
        }

        return TextProblem(writerId, "writer_id");
    }

    /// <summary>
    /// Protobuf decodes invalid UTF-8 into U+FFFD, so that character (and lone surrogates) mark
    /// text that was not valid UTF-8 on the wire.
    /// </summary>
    public static string? TextProblem(string text, string what)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return $"{what} contains a control character (U+{(int)c:X4}) at position {i}";
            }

            if (c == '\uFFFD')
            {
                return $"{what} is not valid UTF-8 (U+FFFD at position {i})";
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return $"{what} is not valid UTF-8 (a lone surrogate at position {i})";
            }
        }

        return null;
    }
}
