using System.Diagnostics;
using Metrics.LocalStack;
using Metrics.TensorBoard;
using Metrics.Testing;

namespace Metrics.Client.Tests;

/// <summary>
/// The SDK as its users get it: `dotnet pack src/Metrics.Client` makes one .nupkg that a project
/// outside the repository restores from a local folder feed (no other source: only that feed and
/// the NuGet cache), builds and runs.
/// </summary>
public sealed class PackageTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("metrics-client-package-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public async Task Pack_ConsumedFromLocalFeedOffline_BuildsAndWritesEvents()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var feed = Directory.CreateDirectory(Path.Combine(_temp.FullName, "feed")).FullName;
        var pack = await DotnetAsync(RepoPaths.Root, "pack", Path.Combine(RepoPaths.Root, "src", "Metrics.Client"), "--no-build", "-c", configuration, "-o", feed);
        Assert.True(pack.ExitCode == 0, pack.Output);
        var package = Assert.Single(Directory.GetFiles(feed, "Metrics.Client.*.nupkg"));
        var version = Path.GetFileNameWithoutExtension(package)["Metrics.Client.".Length..];
        using (var zip = System.IO.Compression.ZipFile.OpenRead(package))
        {
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/Metrics.Client.dll");
            Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/Metrics.Client.xml");
            // The CRC-32 of journal records and PNG chunks comes from System.IO.Hashing: a dependency, not bundled.
            using var nuspec = new StreamReader(zip.GetEntry("Metrics.Client.nuspec")!.Open());
            Assert.Contains("<dependency id=\"System.IO.Hashing\"", await nuspec.ReadToEndAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain(zip.Entries, e => e.Name == "System.IO.Hashing.dll");
        }

        // Only the local feed as a source; the package lands in a packages folder of this test (never a
        // stale copy from the machine's cache), its dependencies come from the NuGet cache as a fallback.
        var consumer = Directory.CreateDirectory(Path.Combine(_temp.FullName, "consumer")).FullName;
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } packages
            ? packages
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        await File.WriteAllTextAsync(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(_temp.FullName, "packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="cache" value="{cache}" />
              </fallbackPackageFolders>
            </configuration>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Metrics.Client" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(consumer, "Program.cs"), """
            using Metrics.Client;

            await using (var writer = new SummaryWriter(new SummaryWriterOptions { LogDirectory = args[0], RunName = "consumer/run" }))
            {
                writer.AddHParams(new Dictionary<string, object> { ["lr"] = 0.05f });
                for (var step = 0; step < 3; step++)
                {
                    writer.AddScalar("loss", 1.0 / (step + 1), step);
                }
            }

            Console.WriteLine("written");
            """);
        var logdir = Path.Combine(_temp.FullName, "logdir");

        var build = await DotnetAsync(consumer, "build", "-c", "Release");
        Assert.True(build.ExitCode == 0, build.Output);
        var run = await DotnetAsync(consumer, "run", "-c", "Release", "--no-build", "--", logdir);

        Assert.True(run.ExitCode == 0, run.Output);
        var snapshot = LogdirSnapshot.Read(logdir);
        var points = Assert.Single(snapshot.Runs, r => r.RunName == "consumer/run").Points;
        Assert.Equal(3, points["loss"].Count);
    }

    private static async Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, params string[] args)
    {
        var result = await ProcessRunner.RunAsync(
            "dotnet",
            args,
            new Dictionary<string, string> { ["DOTNET_NOLOGO"] = "1", ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" },
            workingDirectory,
            timeout: TimeSpan.FromMinutes(5),
            unsetEnvironment: ["NUGET_PACKAGES"]); // the consumer's nuget.config decides
        return (result.ExitCode, $"dotnet {string.Join(' ', args)}:\n{result.StandardOutput}{result.StandardError}");
    }
}
