using Metrics.Examples.Training.Models;

namespace Metrics.Examples.Training.Logging;

/// <summary>Draws a model's decision boundary over [-1.5, 1.5]² with the data points on top, as RGB pixels.</summary>
internal static class ImageOfModel
{
    public const int Size = 96;
    private const float Extent = 1.5f;

    public static byte[] DecisionBoundary(IModel model, float[] inputs, int[] labels)
    {
        var pixels = new byte[Size * Size * 3];
        for (var py = 0; py < Size; py++)
        {
            for (var px = 0; px < Size; px++)
            {
                var p = model.Predict(ToWorld(px), -ToWorld(py));
                // Class 0 blue, class 1 orange, blended by the predicted probability.
                Set(pixels, px, py, (byte)(70 + (185 * p)), (byte)(110 + (50 * p)), (byte)(220 - (180 * p)));
            }
        }

        for (var i = 0; i < labels.Length; i++)
        {
            var px = ToPixel(inputs[2 * i]);
            var py = ToPixel(-inputs[(2 * i) + 1]);
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    if (px + dx is >= 0 and < Size && py + dy is >= 0 and < Size)
                    {
                        var dark = labels[i] == 1 ? (byte)120 : (byte)0;
                        Set(pixels, px + dx, py + dy, dark, (byte)(dark / 2), labels[i] == 1 ? (byte)0 : (byte)90);
                    }
                }
            }
        }

        return pixels;
    }

    private static float ToWorld(int pixel) => ((pixel + 0.5f) / Size * 2 * Extent) - Extent;

    private static int ToPixel(float world) => (int)((world + Extent) / (2 * Extent) * Size);

    private static void Set(byte[] pixels, int x, int y, byte r, byte g, byte b)
    {
        var i = ((y * Size) + x) * 3;
        pixels[i] = r;
        pixels[i + 1] = g;
        pixels[i + 2] = b;
    }
}
