using Metrics.Cli;
using Metrics.Dev.Bench;
using Metrics.Dev.Demo;
using Metrics.Dev.Up;

// ./metrics in a checkout: the shipped CLI's commands plus the development ones.
return await MetricsCommandLine.RunAsync(args, UpCommand.Create(), DemoCommand.Create(), BenchCommand.Create());
