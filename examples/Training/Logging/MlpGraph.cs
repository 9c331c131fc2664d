using Metrics.Contracts.TensorBoard;

namespace Metrics.Examples.Training.Logging;

/// <summary>The MLP as a TensorFlow GraphDef (ops and edges only), for TensorBoard's graph dashboard.</summary>
internal static class MlpGraph
{
    public static GraphDef Create(IReadOnlyList<int> sizes)
    {
        var graph = new GraphDef();
        graph.Node.Add(new NodeDef { Name = "input", Op = "Placeholder" });
        graph.Node.Add(new NodeDef { Name = "labels", Op = "Placeholder" });
        var previous = "input";
        for (var l = 1; l < sizes.Count; l++)
        {
            var scope = $"dense{l}";
            graph.Node.Add(new NodeDef { Name = scope + "/kernel", Op = "VariableV2" });
            graph.Node.Add(new NodeDef { Name = scope + "/bias", Op = "VariableV2" });
            graph.Node.Add(new NodeDef { Name = scope + "/MatMul", Op = "MatMul", Input = { previous, scope + "/kernel" } });
            graph.Node.Add(new NodeDef { Name = scope + "/BiasAdd", Op = "BiasAdd", Input = { scope + "/MatMul", scope + "/bias" } });
            previous = scope + "/BiasAdd";
            if (l < sizes.Count - 1)
            {
                graph.Node.Add(new NodeDef { Name = scope + "/Tanh", Op = "Tanh", Input = { previous } });
                previous = scope + "/Tanh";
            }
        }

        graph.Node.Add(new NodeDef { Name = "softmax", Op = "Softmax", Input = { previous } });
        graph.Node.Add(new NodeDef { Name = "loss", Op = "SoftmaxCrossEntropyWithLogits", Input = { previous, "labels" } });
        return graph;
    }
}
