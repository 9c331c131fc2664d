using System.Diagnostics;

namespace Metrics.Dev.Up;

/// <summary>
/// TensorBoard for the local stack, reading straight from the query service's data-provider port
/// (docs/tensorboard.md): `up` prints the command and, when a `tensorboard` executable is on PATH,
/// runs it until the stack stops.
/// </summary>
internal sealed class LocalTensorBoard(Process process) : IAsyncDisposable
{
    /// <summary>TensorBoard's own default port.</summary>
    public const int WebPort = 6006;

    public static string Command(int providerPort) => $"tensorboard --grpc_data_provider=localhost:{providerPort}";

    public static async Task<LocalTensorBoard?> StartIfInstalledAsync(int providerPort, string logFile, TextWriter output)
    {
        if (FindOnPath("tensorboard") is not { } executable)
        {
            return null;
        }

        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add($"--grpc_data_provider=localhost:{providerPort}");
        info.ArgumentList.Add($"--port={WebPort}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + executable);
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        void Write(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.WriteLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await output.WriteLineAsync($"  TensorBoard started: http://localhost:{WebPort}/ (log: {logFile})");
        return new LocalTensorBoard(process);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true); // TensorBoard keeps no state worth a graceful stop
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(path => File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0));
}
