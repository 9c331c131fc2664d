using System.Diagnostics;
using System.Globalization;

namespace Metrics.LocalStack.Ha;

/// <summary>Creating the cluster: ports, etcd, one Patroni configuration per node, the wait for a synchronous pair.</summary>
public sealed partial class PatroniCluster
{
    private const string PatroniExecutable = "/usr/bin/patroni";
    private const string EtcdExecutable = "/usr/bin/etcd";

    private int _etcdClientPort;

    private async Task StartOnceAsync(CancellationToken cancellationToken)
    {
        // Candidates below the ephemeral range; one taken meanwhile fails the start, which is retried on others.
        var ports = LoopbackPorts.Candidates().Distinct().Take(2 + 2 * _options.Nodes).ToList();
        _etcdClientPort = ports[0];
        var etcdPeerPort = ports[1];
        Nodes = [.. Enumerable.Range(0, _options.Nodes).Select(i => new PatroniNode(
            "node" + i.ToString(CultureInfo.InvariantCulture), Path.Combine(Directory, "node" + i.ToString(CultureInfo.InvariantCulture)), ports[2 + 2 * i], ports[3 + 2 * i]))];

        System.IO.Directory.CreateDirectory(Directory);
        var etcdData = System.IO.Directory.CreateDirectory(Path.Combine(Directory, "etcd")).FullName;
        foreach (var node in Nodes)
        {
            System.IO.Directory.CreateDirectory(node.Directory);
            await File.WriteAllTextAsync(Path.Combine(node.Directory, "patroni.yml"), PatroniConfiguration(node), cancellationToken);
        }

        if (OperatingSystem.IsLinux())
        {
            // initdb and PostgreSQL want their folders private to their owner.
            foreach (var node in Nodes)
            {
                File.SetUnixFileMode(node.Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (_asPostgres)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", Directory], cancellationToken);
        }

        var etcdPeer = "http://127.0.0.1:" + etcdPeerPort.ToString(CultureInfo.InvariantCulture);
        var etcdClient = "http://127.0.0.1:" + _etcdClientPort.ToString(CultureInfo.InvariantCulture);
        _etcd = Child("etcd", EtcdExecutable, Directory,
            ["--name", "etcd0", "--data-dir", etcdData,
             "--listen-client-urls", etcdClient, "--advertise-client-urls", etcdClient,
             "--listen-peer-urls", etcdPeer, "--initial-advertise-peer-urls", etcdPeer,
             "--initial-cluster", "etcd0=" + etcdPeer, "--initial-cluster-state", "new",
             "--logger", "zap", "--log-level", "warn"]);
        _etcd.Start();
        await WaitAsync("etcd to answer on " + etcdClient, async () =>
        {
            using var response = await _http.GetAsync(new Uri(etcdClient + "/health"), cancellationToken);
            return response.IsSuccessStatusCode;
        }, () => !_etcd.IsRunning, TimeSpan.FromSeconds(30), cancellationToken);

        foreach (var node in Nodes)
        {
            node.Patroni = Child("patroni-" + node.Name, PatroniExecutable, node.Directory, [Path.Combine(node.Directory, "patroni.yml")]);
            node.Patroni.Start();
        }

        await WaitForSynchronousStandbyAsync(TimeSpan.FromSeconds(120), cancellationToken);
        _log?.WriteLine($"HA cluster: {Nodes.Count} PostgreSQL servers under Patroni (synchronous) in {Directory}: {WriterUrl()}");
    }

    /// <summary>
    /// A child as the `postgres` user when we are root (setpriv replaces itself, so the pid is the
    /// program's), its output appended to &lt;name&gt;.log by the shell: not a pipe of ours, which
    /// the servers Patroni starts would inherit and hold open after Patroni dies.
    /// </summary>
    private ServiceProcess Child(string name, string executable, string workingDirectory, string[] arguments)
    {
        string[] command = _asPostgres ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", executable, .. arguments] : [executable, .. arguments];
        return new(new ServiceProcessOptions
        {
            Name = name,
            FileName = "sh",
            Arguments = ["-c", "exec \"$@\" >>'" + LogFile(workingDirectory, name) + "' 2>&1", "sh", .. command],
            WorkingDirectory = workingDirectory,
            Environment = _asPostgres ? new Dictionary<string, string> { ["HOME"] = "/var/lib/postgresql", ["USER"] = "postgres" } : new Dictionary<string, string>(),
            // Patroni stops its server on SIGTERM (fast shutdown) and releases its leader key.
            StopGrace = TimeSpan.FromSeconds(20),
        });
    }

    private static string LogFile(string directory, string name) => Path.Combine(directory, name + ".log");

    /// <summary>
    /// One node's patroni.yml. The bootstrap section is written to etcd by the first node: ttl and
    /// loop_wait decide how fast a dead primary is replaced, synchronous_mode makes an acknowledged
    /// commit durable on two servers (Patroni sets synchronous_standby_names to the standby it picks).
    /// </summary>
    private string PatroniConfiguration(PatroniNode node)
    {
        var o = _options;
        return string.Create(CultureInfo.InvariantCulture, $"""
            scope: {o.Scope}
            name: {node.Name}
            log:
              level: INFO
            restapi:
              listen: 127.0.0.1:{node.ApiPort}
              connect_address: 127.0.0.1:{node.ApiPort}
            etcd3:
              hosts: 127.0.0.1:{_etcdClientPort}
            bootstrap:
              dcs:
                ttl: {o.TtlSeconds}
                loop_wait: {o.LoopWaitSeconds}
                retry_timeout: {o.RetryTimeoutSeconds}
                maximum_lag_on_failover: 1048576
                synchronous_mode: true
                synchronous_mode_strict: false
                synchronous_node_count: 1
                postgresql:
                  use_pg_rewind: true
                  use_slots: true
                  parameters:
                    synchronous_commit: "on"
                    max_connections: 400
                    wal_keep_size: 256MB
                    wal_log_hints: "on"
                    hot_standby_feedback: "on"
              initdb:
                - encoding: UTF8
                - locale: C
              pg_hba:
                - host all all 127.0.0.1/32 trust
                - host replication all 127.0.0.1/32 trust
            postgresql:
              listen: 127.0.0.1:{node.Port}
              connect_address: 127.0.0.1:{node.Port}
              data_dir: {node.DataDirectory}
              bin_dir: {_pgBin}
              pgpass: {Path.Combine(node.Directory, "pgpass")}
              authentication:
                superuser:
                  username: postgres
                replication:
                  username: postgres
              parameters:
                unix_socket_directories: '{node.Directory}'
                logging_collector: "on"
                log_directory: '{Path.Combine(node.Directory, "log")}'
            """) + "\n";
    }

    /// <summary>Whether any child said its port was taken (the start is then retried on other ports).</summary>
    private bool AnyPortTaken()
    {
        var texts = new List<string> { ReadLog(LogFile(Directory, "etcd")) };
        foreach (var node in Nodes)
        {
            texts.Add(ReadLog(LogFile(node.Directory, "patroni-" + node.Name)));
            var logs = Path.Combine(node.Directory, "log");
            if (System.IO.Directory.Exists(logs))
            {
                texts.AddRange(System.IO.Directory.EnumerateFiles(logs).Select(ReadLog));
            }
        }

        return texts.Any(t => t.Contains("address already in use", StringComparison.OrdinalIgnoreCase) || t.Contains("could not bind", StringComparison.OrdinalIgnoreCase));
    }

    private static string ReadLog(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private async Task WaitAsync(string what, Func<Task<bool>> condition, Func<bool> failed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < timeout && !failed())
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Not up yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        throw new InvalidOperationException($"timed out waiting for {what}:\n{Logs()}");
    }

    /// <summary>Patroni and etcd, installed with apt-get (Debian's patroni and etcd-server) when missing and we are root.</summary>
    private static async Task FindOrInstallPatroniAsync(TextWriter? log, CancellationToken cancellationToken)
    {
        if (File.Exists(PatroniExecutable) && File.Exists(EtcdExecutable))
        {
            return;
        }

        if (!(Environment.UserName == "root" || Environment.IsPrivilegedProcess))
        {
            throw new InvalidOperationException("Patroni and etcd were not found; install them with `sudo apt-get install -y patroni etcd-server`.");
        }

        log?.WriteLine("Patroni and etcd are not installed: installing them with apt-get (one time)");
        var apt = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        await RunAsync("apt-get", ["update", "-qq"], cancellationToken, apt);
        await RunAsync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "patroni", "etcd-server"], cancellationToken, apt);
        if (!File.Exists(PatroniExecutable) || !File.Exists(EtcdExecutable))
        {
            throw new InvalidOperationException("apt-get installed patroni and etcd-server but /usr/bin/patroni or /usr/bin/etcd is still missing.");
        }
    }

    private static async Task RunAsync(string file, string[] args, CancellationToken cancellationToken, Dictionary<string, string>? environment = null)
    {
        var result = await ProcessRunner.RunAsync(file, args, environment, workingDirectory: "/", timeout: Timeout.InfiniteTimeSpan, cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {result.ExitCode}: {result.Output.Trim()}");
        }
    }
}
