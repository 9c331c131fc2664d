namespace Metrics.Cli.Upload;

/// <summary>Resolved settings of `metrics upload`.</summary>
internal sealed record UploadSettings(Uri Server, string Token, string Project, string Logdir, bool Watch, string StateFile, TimeSpan PollInterval, TimeSpan ConnectTimeout);
