using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using CloudController.Benchmarks;
using CloudController.Benchmarks.Load;

// `load ...` drives a node through gRPC; anything else runs the BenchmarkDotNet suites of the pure paths.
if (args.Length > 0 && args[0] == "load") return await LoadTool.RunAsync(args[1..]);

// Percentiles up to the maximum, because the targets are stated as p99.
var config = DefaultConfig.Instance
    .AddColumn(StatisticColumn.P95, StatisticColumn.Max)
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(PlacementBenchmarks).Assembly).Run(args, config);
return 0;
