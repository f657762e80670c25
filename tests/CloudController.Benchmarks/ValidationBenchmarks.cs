using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using CloudController.Domain;
using CloudController.Domain.Catalog;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Sizing;
using CloudController.Domain.Validation;

namespace CloudController.Benchmarks;

/// <summary>
/// What every request pays before anything is done: a provisioning request checked against its model (good, and with
/// every field wrong at once, which builds each error with its fix), and a custom build sized against a catalog of
/// 50 operating systems and 500 applications (passing, and failing with the suggested changes computed).
/// </summary>
[MemoryDiagnoser]
public class ValidationBenchmarks
{
    private static readonly ModelVm Model = new("ubuntu", "ubuntu-24.04", ["nginx"], new Resources(2, 4096, 40),
        new Resources(1, 1024, 10), "ubuntu-24.04-server", DateTimeOffset.UnixEpoch);

    private readonly ProvisionRequest _good = new("ubuntu", "web-01.prod.example.com", new HardwareOverrides(CpuCores: 4, MemoryMib: 8192));
    private readonly ProvisionRequest _bad = new("ubuntu", "Web_01!\u0007", new HardwareOverrides(CpuCores: -1, MemoryMib: 512, DiskGib: 10_000_000));
    private SoftwareCatalog _catalog = SoftwareCatalog.Empty;
    private CustomBuildRequest _fits = null!;
    private CustomBuildRequest _tooSmall = null!;

    [GlobalSetup]
    public void Setup()
    {
        var oses = Enumerable.Range(0, 50).Select(i => new OsDefinition($"os-{i}", i % 5 == 0 ? "windows" : "linux", "", new Resources(1, 1024, 10), 1.5));
        var apps = Enumerable.Range(0, 500).Select(i => new AppDefinition($"app-{i}", ["linux"], new Resources(1, 256 + i, 1 + i % 20), 1.5));
        _catalog = SoftwareCatalog.Of(oses, apps, [new HardwareProfile("small", new Resources(1, 2048, 20))]);
        ImmutableArray<string> eight = [.. Enumerable.Range(0, 8).Select(i => $"app-{i * 60}")];
        _fits = new CustomBuildRequest("os-1", eight, new Resources(16, 65536, 1000));
        _tooSmall = new CustomBuildRequest("os-1", eight, new Resources(1, 1024, 10));
    }

    [Benchmark]
    public ImmutableArray<FieldError> GoodRequest() => ProvisionRequestValidator.Validate(_good, Model);

    [Benchmark]
    public ImmutableArray<FieldError> EveryFieldWrong() => ProvisionRequestValidator.Validate(_bad, Model);

    [Benchmark]
    public SizingReport CustomBuildThatFits() => SizingAdvisor.Check(_fits, _catalog);

    [Benchmark]
    public SizingReport CustomBuildWithSuggestedChanges() => SizingAdvisor.Check(_tooSmall, _catalog);
}
