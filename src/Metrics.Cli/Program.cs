using Metrics.Cli;

return await MetricsCommandLine.RunAsync(args);
