using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Metrics.Query.Replicas;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Metrics.Query.Tests.Replicas;

/// <summary>What one query service's "Metrics.Query.Replicas" meter counted, by instrument and tag value.</summary>
public sealed class ReadCounts : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);

    public ReadCounts(WebApplicationFactory<Program> query)
    {
        var meters = query.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this service's meter: other test classes run services in this process too.
            if (instrument.Meter.Name == ReadReplicaMetrics.Name && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            _counts.AddOrUpdate(instrument.Name, value, (_, old) => old + value);
            foreach (var tag in tags)
            {
                _counts.AddOrUpdate($"{instrument.Name}[{tag.Value}]", value, (_, old) => old + value);
            }
        });
        _listener.Start();
    }

    /// <summary>The sum of <paramref name="instrument"/>, or of its measurements with a tag of value <paramref name="tagValue"/>.</summary>
    public long this[string instrument, string? tagValue = null] =>
        _counts.GetValueOrDefault(tagValue is null ? instrument : $"{instrument}[{tagValue}]");

    public string Describe() => string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));

    public void Dispose() => _listener.Dispose();
}
