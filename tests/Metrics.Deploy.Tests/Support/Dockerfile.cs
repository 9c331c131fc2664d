using System.Text.RegularExpressions;

namespace Metrics.Deploy.Tests.Support;

/// <summary>A Dockerfile as its instructions (continuations joined, comments dropped).</summary>
internal sealed partial class Dockerfile(string path, IReadOnlyList<Dockerfile.Instruction> instructions)
{
    /// <summary>One instruction: its keyword (upper case), its --flags and the rest of the line.</summary>
    public sealed record Instruction(int Line, string Keyword, IReadOnlyDictionary<string, string> Flags, string Arguments)
    {
        /// <summary>The arguments as words: a JSON array (exec form) or split on blanks.</summary>
        public IReadOnlyList<string> Words => Arguments.TrimStart().StartsWith('[')
            ? System.Text.Json.JsonSerializer.Deserialize<List<string>>(Arguments) ?? []
            : Arguments.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
    }

    public string Path { get; } = path;

    public IReadOnlyList<Instruction> Instructions { get; } = instructions;

    public static Dockerfile Load(string path) => Parse(path, File.ReadAllText(path));

    public static Dockerfile Parse(string path, string text)
    {
        var result = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var first = i;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                line = line[..^1] + " " + lines[++i].Trim();
            }

            var match = InstructionPattern().Match(line);
            if (!match.Success)
            {
                throw new InvalidDataException($"{path}:{first + 1}: not an instruction: {line}");
            }

            var flags = new Dictionary<string, string>(StringComparer.Ordinal);
            var rest = match.Groups["rest"].Value;
            Match flag;
            while ((flag = FlagPattern().Match(rest)).Success)
            {
                flags[flag.Groups["name"].Value] = flag.Groups["value"].Value;
                rest = rest[flag.Length..];
            }

            result.Add(new Instruction(first + 1, match.Groups["keyword"].Value.ToUpperInvariant(), flags, rest.Trim()));
        }

        return new Dockerfile(path, result);
    }

    /// <summary>
    /// The instructions an image built with <c>--target <paramref name="target"/></c> (null: no
    /// target, the last stage) is made of: those of the stages it starts FROM, then its own.
    /// </summary>
    public IReadOnlyList<Instruction> Target(string? target)
    {
        var starts = Instructions.Select((instruction, index) => (instruction, index)).Where(p => p.instruction.Keyword == "FROM").Select(p => p.index).ToList();
        if (starts.Count == 0)
        {
            throw new InvalidDataException($"{Path}: no FROM");
        }

        var stages = starts.Select((start, n) => Instructions.Skip(start).Take((n + 1 < starts.Count ? starts[n + 1] : Instructions.Count) - start).ToList()).ToList();
        var stage = target is null ? stages[^1] : stages.LastOrDefault(s => string.Equals(StageName(s[0]), target, StringComparison.OrdinalIgnoreCase));
        if (stage is null)
        {
            throw new InvalidDataException($"{Path}: no stage named {target} to build as a target");
        }

        var chain = new List<Instruction>();
        for (var current = stage; current is not null;)
        {
            chain.InsertRange(0, current);
            var from = current[0].Words.Count > 0 ? current[0].Words[0] : "";
            var line = current[0].Line;
            current = stages.LastOrDefault(s => s[0].Line < line && string.Equals(StageName(s[0]), from, StringComparison.OrdinalIgnoreCase));
        }

        return chain;
    }

    /// <summary>ENV names and values of an image's instructions (both `ENV A=b C=d` and `ENV A b`).</summary>
    public static IReadOnlyDictionary<string, string> Environment(IEnumerable<Instruction> image)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in image.Where(i => i.Keyword == "ENV"))
        {
            var pairs = EnvPairPattern().Matches(instruction.Arguments);
            if (pairs.Count == 0)
            {
                var words = instruction.Arguments.Split(' ', 2);
                env[words[0]] = words.Length > 1 ? words[1].Trim() : "";
                continue;
            }

            foreach (Match pair in pairs)
            {
                env[pair.Groups["name"].Value] = pair.Groups["value"].Value.Trim('"');
            }
        }

        return env;
    }

    // FROM <image> [AS <name>]
    private static string? StageName(Instruction from) =>
        from.Words.Count == 3 && string.Equals(from.Words[1], "AS", StringComparison.OrdinalIgnoreCase) ? from.Words[2] : null;

    [GeneratedRegex(@"^(?<keyword>[A-Za-z]+)\s*(?<rest>.*)$")]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"^\s*--(?<name>[a-z-]+)(=(?<value>\S*))?")]
    private static partial Regex FlagPattern();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|\S*)")]
    private static partial Regex EnvPairPattern();
}
