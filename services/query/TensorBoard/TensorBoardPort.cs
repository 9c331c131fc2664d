using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Metrics.Query.TensorBoard;

/// <summary>
/// Marks connections accepted on the TensorBoard port, so the provider answers only there and the
/// REST API (and health) only on the HTTP port: the port has no authentication, the others do.
/// </summary>
internal static class TensorBoardPort
{
    private const string ItemKey = "metrics.tensorboard-port";

    public static void Mark(ConnectionContext connection) => connection.Items[ItemKey] = true;

    public static bool IsTensorBoardConnection(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ItemKey) == true;
}
