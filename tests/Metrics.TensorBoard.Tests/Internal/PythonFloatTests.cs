using Metrics.TensorBoard.Internal;

namespace Metrics.TensorBoard.Tests.Internal;

public sealed class PythonFloatTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(0.1, "0.1")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(1700000000.5, "1700000000.5")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(1.5e-300, "1.5e-300")]
    [InlineData(0.0, "0.0")]
    [InlineData(0.10000000149011612, "0.10000000149011612")]
    public void Format_Value_MatchesPythonRepr(double value, string expected)
    {
        Assert.Equal(expected, PythonFloat.Format(value));
    }
}
