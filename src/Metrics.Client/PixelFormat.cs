namespace Metrics.Client;

/// <summary>Layout of raw 8-bit pixels given to <see cref="SummaryWriter.AddImagePixels"/>.</summary>
public enum PixelFormat
{
    /// <summary>One byte per pixel (luminance).</summary>
    Gray,

    /// <summary>Three bytes per pixel: red, green, blue.</summary>
    Rgb,

    /// <summary>Four bytes per pixel: red, green, blue, alpha.</summary>
    Rgba,
}
