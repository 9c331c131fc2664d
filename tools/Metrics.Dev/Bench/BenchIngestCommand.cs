using System.CommandLine;
using Metrics.Bench.Ingest;

namespace Metrics.Dev.Bench;

/// <summary>
/// `metrics bench ingest [--writers N] [--points M] [--kind scalar|mixed] [--json]`: points/s
/// through gRPC to committed rows beside a raw binary COPY of the same rows and, when
/// `victoria-metrics` is installed, the same points posted to a private VictoriaMetrics; ingest
/// RSS with 100 concurrent writers.
/// </summary>
internal static class BenchIngestCommand
{
    public static Command Create()
    {
        var writers = new Option<int>("--writers") { Description = "Concurrent writers (one stream and run each).", DefaultValueFactory = _ => 8 };
        var points = new Option<int>("--points") { Description = "Points in total across the writers.", DefaultValueFactory = _ => 2_000_000 };
        var kind = new Option<string>("--kind") { Description = "scalar, or mixed (with histograms and images).", DefaultValueFactory = _ => "scalar" };
        kind.AcceptOnlyFromAmong("scalar", "mixed");
        var batch = new Option<int>("--batch-points") { Description = "Points per batch.", DefaultValueFactory = _ => 2_000 };
        var rssWriters = new Option<int>("--rss-writers") { Description = "Writers of the memory measurement (0 skips it).", DefaultValueFactory = _ => 100 };
        var server = new Option<Uri?>("--server") { Description = "A running ingest service instead of a private one (needs --token and --database)." };
        var token = new Option<string?>("--token") { Description = "Write token for --server." };
        var database = new Option<string?>("--database") { Description = "The service's database (for the baseline); a private PostgreSQL when omitted." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("ingest", "Ingest throughput (points/s, client to committed) beside a raw binary COPY of the same rows and VictoriaMetrics (when installed); ingest RSS with 100 writers.")
        {
            writers, points, kind, batch, rssWriters, server, token, database, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            var result = await IngestBenchmark.RunAsync(
                new IngestBenchmarkOptions
                {
                    Writers = parse.GetValue(writers),
                    Points = parse.GetValue(points),
                    Kind = parse.GetValue(kind) ?? "scalar",
                    BatchPoints = parse.GetValue(batch),
                    RssWriters = parse.GetValue(rssWriters),
                    Server = parse.GetValue(server),
                    Token = parse.GetValue(token),
                    DatabaseUrl = parse.GetValue(database),
                    Log = asJson ? null : System.Console.Error,
                },
                cancellationToken);
            System.Console.WriteLine(asJson ? result.ToJson() : result.ToText());
            return 0;
        });
        return command;
    }
}
