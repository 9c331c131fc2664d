using System.Diagnostics;
using Metrics.LocalStack;

namespace Metrics.Resilience.Tests.Support;

/// <summary>
/// A small file system mounted on a folder: a tmpfs (mount needs root), else an ext4 loop file.
/// When neither can be mounted the test fails with the reason: a skipped disk-full test hides a gap.
/// </summary>
internal sealed class SmallDisk : IAsyncDisposable
{
    private readonly string _mount;
    private readonly string? _image;

    private SmallDisk(string mount, string kind, string? image)
    {
        _mount = mount;
        Kind = kind;
        _image = image;
    }

    public string Kind { get; }

    public long AvailableBytes => new DriveInfo(_mount).AvailableFreeSpace;

    public static async Task<SmallDisk> MountAsync(string mount, string size)
    {
        var tmpfs = await RunAsync("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount);
        if (tmpfs.Code == 0)
        {
            return new SmallDisk(mount, "tmpfs", null);
        }

        var image = mount + ".img";
        var loop = await RunAsync("truncate", "-s", size.ToUpperInvariant(), image);
        if (loop.Code == 0)
        {
            loop = await RunAsync("mkfs.ext4", "-q", "-F", image);
        }

        if (loop.Code == 0)
        {
            loop = await RunAsync("mount", "-o", "loop", image, mount);
        }

        if (loop.Code == 0)
        {
            return new SmallDisk(mount, "ext4 loop file", image);
        }

        Assert.Fail($"cannot mount a small file system for the disk-full test (run as root): tmpfs: {tmpfs.Output.Trim()}; loop file: {loop.Output.Trim()}");
        throw new UnreachableException();
    }

    /// <summary>Gives the file system room again (as an operator freeing space would).</summary>
    public async Task GrowAsync(string size, CancellationToken cancellationToken)
    {
        var result = _image is null
            ? await RunAsync("mount", "-o", "remount,size=" + size, _mount)
            : await GrowLoopAsync(size);
        Assert.True(result.Code == 0, "could not grow the file system: " + result.Output);
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("umount", "-l", _mount);
        if (_image is not null)
        {
            File.Delete(_image);
        }
    }

    private async Task<(int Code, string Output)> GrowLoopAsync(string size)
    {
        var device = (await RunAsync("findmnt", "-n", "-o", "SOURCE", _mount)).Output.Trim();
        var result = await RunAsync("truncate", "-s", size.ToUpperInvariant(), _image!);
        if (result.Code == 0)
        {
            result = await RunAsync("losetup", "-c", device);
        }

        return result.Code == 0 ? await RunAsync("resize2fs", device) : result;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] args)
    {
        try
        {
            var result = await ProcessRunner.RunAsync(file, args);
            return (result.ExitCode, result.Output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, file + ": " + e.Message);
        }
    }
}
