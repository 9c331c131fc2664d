using Metrics.Testing;

namespace Metrics.Deploy.Tests.Support;

/// <summary>The repository under test, or a scratch copy of its deployment files to break on purpose.</summary>
internal sealed class DeployRepository : IDisposable
{
    private static readonly string[] DeploymentFiles = ["deploy", "docker-compose.yml", ".env.example", ".dockerignore", "services", "src", "proto", "global.json", "Directory.Build.props", "Directory.Packages.props", ".editorconfig"];

    private DeployRepository(string root, bool scratch)
    {
        Root = root;
        IsScratch = scratch;
    }

    public string Root { get; }

    public bool IsScratch { get; }

    public static DeployRepository Real() => new(RepoPaths.Root, false);

    /// <summary>A copy of the files the deployment is built from (no bin/obj), safe to mutate.</summary>
    public static DeployRepository Scratch()
    {
        var root = Path.Combine(Path.GetTempPath(), "metrics-deploy-" + Guid.NewGuid().ToString("N"));
        foreach (var entry in DeploymentFiles)
        {
            var source = Path.Combine(RepoPaths.Root, entry);
            var target = Path.Combine(root, entry);
            if (File.Exists(source))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(source, target);
            }
            else if (Directory.Exists(source))
            {
                CopyDirectory(source, target);
            }
        }

        return new DeployRepository(root, true);
    }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Replaces every <paramref name="from"/> in a file; fails if the text is not there (a stale test).</summary>
    public void Replace(string relative, string from, string to)
    {
        var path = PathOf(relative);
        var text = File.ReadAllText(path);
        Assert.True(text.Contains(from, StringComparison.Ordinal), $"{relative} does not contain the text to mutate: {from}");
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (IsScratch && Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            var name = Path.GetFileName(directory);
            if (name is not ("bin" or "obj"))
            {
                CopyDirectory(directory, Path.Combine(target, name));
            }
        }
    }
}
