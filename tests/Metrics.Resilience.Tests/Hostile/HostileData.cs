namespace Metrics.Resilience.Tests.Hostile;

/// <summary>Values attackers and broken clients send where a string or a number is expected.</summary>
internal static class HostileData
{
    /// <summary>SQL injection strings (each must be stored and matched literally, never executed).</summary>
    public static readonly string[] SqlInjection =
    [
        "' OR '1'='1",
        "'; DROP TABLE runs; --",
        "\"; DELETE FROM scalar_points; --",
        "1' UNION SELECT token_hash FROM api_tokens --",
        "$1",
        "$$; SELECT pg_sleep(10); $$",
        "%' AND 1=1 --",
        "\\'; TRUNCATE projects CASCADE; --",
        "') OR 1=1 LIMIT 1 OFFSET 0 --",
        "x'||(SELECT current_user)||'",
    ];

    /// <summary>Bad numbers and strings for query parameters.</summary>
    public static readonly string[] BadParameterValues =
    [
        "-1", "0", "-9223372036854775808", "9223372036854775807", "9223372036854775808",
        "99999999999999999999999999", "1e308", "-1e308", "NaN", "Infinity", "0x10", "1.5", "abc", "", " ",
        "%00", "%FF%FE", "%E2%80%AE", "../../../etc/passwd", "<script>alert(1)</script>", "${jndi:ldap://x/a}",
        new string('9', 5000), new string('a', 20_000),
        .. SqlInjection.Select(Uri.EscapeDataString),
    ];

    /// <summary>Run names that would escape or confuse a logdir.</summary>
    public static readonly string[] PathTraversal =
    [
        "..", ".", "../escape", "a/../../escape", "a/./b", "/absolute", "a//b", "a/", "a\\b", "..\\escape",
        "a/\u0000b", "a\nb", "a\u001bb", "", "a/..", "C:\\x", "a/.../b/..", "a/\u202e/..",
    ];
}
