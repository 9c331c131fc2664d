using System.Runtime.InteropServices;

namespace Metrics.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM cancel <see cref="Token"/>, the token every command runs with,
/// instead of killing the process: `up` stops its services and PostgreSQL, an upload waits for the
/// acknowledgements of what it sent and saves its progress. A second signal terminates at once.
/// System.CommandLine 2.0.0 leaves termination unhandled (its ProcessTerminationTimeout is null),
/// so without this a signal killed the process mid-commit and left `up`'s children running.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    private readonly CancellationTokenSource _cancel;
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;

    public TerminationSignals()
    {
        _cancel = new CancellationTokenSource();
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle);
    }

    public CancellationToken Token => _cancel.Token;

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancel.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        if (_cancel.IsCancellationRequested)
        {
            return; // The second signal: the default action ends the process.
        }

        context.Cancel = true;
        _cancel.Cancel();
    }
}
