namespace Metrics.LocalStack;

/// <summary>
/// Ports on 127.0.0.1 without the pick-then-release race. Whatever can bind port 0 does so and
/// reports the port it got (services print it, see <see cref="ServiceProcess"/>). What cannot
/// (PostgreSQL, HttpListener) tries a candidate and, when it is taken, the next one:
/// <see cref="BindAsync{T}"/>.
/// </summary>
public static class LoopbackPorts
{
    /// <summary>How many ports <see cref="BindAsync{T}"/> tries before giving up.</summary>
    public const int Attempts = 20;

    // Below Linux's ephemeral range (32768-60999), so the kernel's own picks for outgoing
    // connections and port-0 listeners never land on a candidate we are about to bind.
    private const int First = 20000;
    private const int Last = 32767;

    /// <summary>Random candidate ports, endless.</summary>
    public static IEnumerable<int> Candidates()
    {
        while (true)
        {
            yield return Random.Shared.Next(First, Last + 1);
        }
    }

    /// <summary>
    /// Binds with <paramref name="bind"/> on candidate ports (<paramref name="candidates"/>, else
    /// <see cref="Candidates"/>) until one is not taken. <paramref name="isPortTaken"/> says whether
    /// a failure means the port was in use (then the next candidate is tried) or is a real error.
    /// </summary>
    public static async Task<T> BindAsync<T>(Func<int, Task<T>> bind, Func<Exception, bool> isPortTaken, IEnumerable<int>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(isPortTaken);
        var tried = new List<int>();
        foreach (var port in (candidates ?? Candidates()).Take(Attempts))
        {
            try
            {
                return await bind(port);
            }
            catch (Exception e) when (isPortTaken(e))
            {
                tried.Add(port);
            }
        }

        throw new InvalidOperationException("no free port on 127.0.0.1 among " + string.Join(", ", tried));
    }

    /// <summary>The synchronous form of <see cref="BindAsync{T}"/>.</summary>
    public static T Bind<T>(Func<int, T> bind, Func<Exception, bool> isPortTaken, IEnumerable<int>? candidates = null) =>
        BindAsync(port => Task.FromResult(bind(port)), isPortTaken, candidates).GetAwaiter().GetResult();

    /// <summary>
    /// A port nothing answers on (connections are refused), held for as long as the returned object
    /// lives: a socket bound to it that never listens, so no other program can take it meanwhile.
    /// </summary>
    public static RefusingPort Refusing() => new();
}
