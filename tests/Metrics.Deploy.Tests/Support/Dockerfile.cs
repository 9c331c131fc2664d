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

    /// <summary>ENV names and values of the final stage (both `ENV A=b C=d` and `ENV A b`).</summary>
    public IReadOnlyDictionary<string, string> FinalEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in FinalStage().Where(i => i.Keyword == "ENV"))
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

    /// <summary>The instructions after the last FROM.</summary>
    public IReadOnlyList<Instruction> FinalStage()
    {
        var lastFrom = Instructions.Select((instruction, index) => (instruction, index)).Last(p => p.instruction.Keyword == "FROM").index;
        return Instructions.Skip(lastFrom).ToList();
    }

    [GeneratedRegex(@"^(?<keyword>[A-Za-z]+)\s*(?<rest>.*)$")]
    private static partial Regex InstructionPattern();

    [GeneratedRegex(@"^\s*--(?<name>[a-z-]+)(=(?<value>\S*))?")]
    private static partial Regex FlagPattern();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""[^""]*""|\S*)")]
    private static partial Regex EnvPairPattern();
}
