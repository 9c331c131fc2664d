using Metrics.LocalStack;

namespace Metrics.Dev.Up;

/// <summary>
/// TensorBoard for the local stack, reading straight from the query service's data-provider port
/// (docs/tensorboard.md): `up` prints the command and, when a `tensorboard` executable is on PATH,
/// runs it until the stack stops.
/// </summary>
internal sealed class LocalTensorBoard(ServiceProcess process) : IAsyncDisposable
{
    /// <summary>TensorBoard's own default port.</summary>
    public const int WebPort = 6006;

    public static string Command(int providerPort) => $"tensorboard --grpc_data_provider=localhost:{providerPort}";

    public static async Task<LocalTensorBoard?> StartIfInstalledAsync(int providerPort, string logFile, TextWriter output)
    {
        if (ProcessRunner.FindOnPath("tensorboard") is not { } executable)
        {
            return null;
        }

        var process = new ServiceProcess(new ServiceProcessOptions
        {
            Name = "tensorboard",
            FileName = executable,
            Arguments = [$"--grpc_data_provider=localhost:{providerPort}", $"--port={WebPort}"],
            ClearMetricsEnvironment = false,
            LogFile = logFile,
            StopGrace = TimeSpan.Zero, // TensorBoard keeps no state worth a graceful stop
        });
        process.Start();
        await output.WriteLineAsync($"  TensorBoard started: http://localhost:{WebPort}/ (log: {logFile})");
        return new LocalTensorBoard(process);
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
