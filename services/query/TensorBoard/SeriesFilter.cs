using Grpc.Core;
using Metrics.Contracts.TensorBoard.Data;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// A request's plugin and run/tag filters with TensorBoard's semantics: the plugin name is
/// required; an absent run or tag filter matches everything, a present one only its names (so an
/// empty one matches nothing). A name that matches no run or tag is not an error.
/// </summary>
internal sealed record SeriesFilter(string PluginName, string[]? Runs, string[]? Tags)
{
    public bool MatchesNothing => Runs is { Length: 0 } || Tags is { Length: 0 };

    public static SeriesFilter Parse(PluginFilter? plugin, RunTagFilter? runTag)
    {
        if (string.IsNullOrEmpty(plugin?.PluginName))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "plugin_filter.plugin_name is required"));
        }

        return new SeriesFilter(plugin.PluginName, runTag?.Runs is { } runs ? [.. runs.Names] : null, runTag?.Tags is { } tags ? [.. tags.Names] : null);
    }
}
