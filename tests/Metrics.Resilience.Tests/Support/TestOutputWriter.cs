using System.Text;

namespace Metrics.Resilience.Tests.Support;

/// <summary>A TextWriter onto the test output (progress lines of a soak).</summary>
internal sealed class TestOutputWriter(ITestOutputHelper output) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void WriteLine(string? value)
    {
        try
        {
            output.WriteLine(value ?? "");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; a late progress line has nowhere to go.
        }
    }
}
