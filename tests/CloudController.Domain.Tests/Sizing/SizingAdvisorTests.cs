using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Sizing;

namespace CloudController.Domain.Tests.Sizing;

public class SizingAdvisorTests
{
    public static readonly SoftwareCatalog Catalog = SoftwareCatalog.Of(
        [
            new OsDefinition("ubuntu-24.04", "linux", "", new Resources(1, 1024, 10), 1.5),
            new OsDefinition("debian-12", "linux", "", new Resources(1, 512, 8), 1.5),
            new OsDefinition("windows-2022", "windows", "cu-2024-10", new Resources(2, 4096, 40), 1.25),
        ],
        [
            new AppDefinition("nginx", ["linux"], new Resources(1, 256, 1), 2.0),
            new AppDefinition("postgres", ["linux"], new Resources(2, 2048, 20), 1.5),
            new AppDefinition("iis", ["windows"], new Resources(1, 1024, 5), 1.25),
        ],
        [new HardwareProfile("small", new Resources(1, 2048, 20))]);

    private static CustomBuildRequest Build(string os, Resources hardware, params string[] apps) =>
        new(os, apps.ToImmutableArray(), hardware);

    [Fact]
    public void Memory_and_disk_add_up_cores_do_not_and_headroom_is_per_part()
    {
        var requirement = SizingRequirement.For(Catalog.Os("ubuntu-24.04")!, [Catalog.App("nginx")!, Catalog.App("postgres")!]);

        Assert.Equal(new Resources(2, 1024 + 256 + 2048, 10 + 1 + 20), requirement.Minimum);
        // 1024*1.5 + 256*2 + 2048*1.5 = 5120; cores 2 * 2.0; disk 15 + 2 + 30.
        Assert.Equal(new Resources(4, 5120, 47), requirement.Recommended);
    }

    [Fact]
    public void A_request_below_the_need_gets_the_minimum_the_recommendation_and_a_passing_request()
    {
        var report = SizingAdvisor.Check(Build("ubuntu-24.04", new Resources(1, 2048, 40), "nginx", "postgres"), Catalog);

        Assert.False(report.Passes);
        Assert.Equal(["hardware.cpu_cores", "hardware.memory_mib"], report.Errors.Select(e => e.Field));
        Assert.Equal("2048 MiB is below the 3328 MiB that ubuntu-24.04 with nginx, postgres needs", report.Errors[1].Problem);
        Assert.Equal("--memory 3328 would fit (recommended 5120)", report.Errors[1].Fix);
        Assert.Equal(new Resources(2, 3328, 40), report.Suggested.Hardware);
        Assert.True(SizingAdvisor.Check(report.Suggested, Catalog).Passes);
    }

    [Fact]
    public void Apps_that_do_not_run_on_the_OS_and_unknown_names_are_all_reported_together()
    {
        var report = SizingAdvisor.Check(Build("ubuntu-24.04", new Resources(1, 512, 5), "iis", "nope", "nginx"), Catalog);

        Assert.Equal(["apps[0]", "apps[1]", "hardware.memory_mib", "hardware.disk_gib"], report.Errors.Select(e => e.Field));
        Assert.Contains("iis does not run on ubuntu-24.04 (it runs on windows)", report.Errors[0].Problem);
        Assert.Equal(["nginx"], report.Suggested.Apps.ToArray());
        Assert.True(SizingAdvisor.Check(report.Suggested, Catalog).Passes);
    }

    [Fact]
    public void An_unknown_OS_names_the_known_ones()
    {
        var report = SizingAdvisor.Check(Build("beos", new Resources(1, 1, 1)), Catalog);
        Assert.Equal("os", report.Errors.Single().Field);
        Assert.Contains("debian-12, ubuntu-24.04, windows-2022", report.Errors.Single().Fix);
        Assert.Null(report.Requirement);
    }

    [Fact]
    public void A_goal_maps_to_hardware_by_its_rule()
    {
        var web = new GoalRule("web-server", "requests/s", 500, new Resources(1, 1024, 20), new Resources(1, 512, 0));
        Assert.Equal(new Resources(1, 1024, 20), web.Suggest(0));
        Assert.Equal(new Resources(2, 1536, 20), web.Suggest(1));
        Assert.Equal(new Resources(5, 3072, 20), web.Suggest(2000));
        Assert.Throws<ArgumentOutOfRangeException>(() => web.Suggest(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => web.Suggest(double.NaN));
    }
}
