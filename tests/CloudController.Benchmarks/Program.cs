using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Percentiles up to the maximum, because the targets are stated as p99.
var config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.P95, StatisticColumn.Max)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(CloudController.Benchmarks.PlacementBenchmarks).Assembly).Run(args, config);
