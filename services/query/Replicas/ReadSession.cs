using Npgsql;

namespace Metrics.Query.Replicas;

/// <summary>The data source this request reads from: the primary unless the read barrier chose a standby.</summary>
internal sealed class ReadSession(NpgsqlDataSource primary)
{
    public NpgsqlDataSource DataSource { get; set; } = primary;
}
