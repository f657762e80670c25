using Akka.Configuration;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Fleet;

namespace CloudController.Cluster.Tests.Hosting;

public sealed class ControllerSettingsTests
{
    private static ControllerSettings Read(string hocon) => ControllerSettings.FromConfig(ConfigurationFactory.ParseString(hocon));

    [Fact]
    public void Every_setting_has_its_default_in_reference_conf_alone()
    {
        // Nothing configured: every value comes from the embedded reference.conf, the one place defaults live.
        var settings = Read("");

        var reference = AkkaControllerExtensions.ReferenceConfig.GetConfig("cloudcontroller");
        Assert.Equal(reference.GetInt("cluster.shard-count"), settings.Entities.ShardCount);
        Assert.Equal(reference.GetTimeSpan("cluster.passivate-idle-after"), settings.Entities.PassivateIdleAfter);
        Assert.Equal(reference.GetDouble("fleet.cpu-allocation-ratio"), settings.Fleet.CpuAllocation.Default);
        Assert.Equal(reference.GetInt("pools.batch-size"), settings.Pools.BatchSize);
        Assert.Equal(reference.GetTimeSpan("provisioning.step-timeout"), settings.Provisioning.StepTimeout);
        Assert.Equal(reference.GetTimeSpan("audit.retention"), settings.Audit.Retention);
        Assert.Equal(reference.GetInt("key-pool.high-water"), settings.KeyPool.HighWater);
    }

    [Fact]
    public void A_configured_value_overrides_its_default_in_its_concern()
    {
        var settings = Read("""
            cloudcontroller.cluster.passivate-idle-after = 30s
            cloudcontroller.fleet.unknown-vms = keep
            cloudcontroller.pools.fork-concurrency = 8
            cloudcontroller.storage.rebalance-interval = 0s
            """);

        Assert.Equal(TimeSpan.FromSeconds(30), settings.Entities.PassivateIdleAfter);
        Assert.Equal(UnknownVmPolicy.Keep, settings.Fleet.UnknownVms);
        Assert.Equal(8, settings.Pools.ForkConcurrency);
        Assert.Equal(TimeSpan.Zero, settings.Storage.RebalanceInterval);
    }

    [Theory]
    [InlineData("cloudcontroller.pools.batch-size = 0", "cloudcontroller.pools.batch-size = 0; it must be at least 1")]
    [InlineData("cloudcontroller.cluster.passivate-idle-after = 0s", "cloudcontroller.cluster.passivate-idle-after must be longer than zero")]
    [InlineData("cloudcontroller.rebalancing.cpu-threshold = 1.5", "cloudcontroller.rebalancing.cpu-threshold = 1.5; use a fraction in (0, 1]")]
    [InlineData("cloudcontroller.fleet.unknown-vms = shred", "cloudcontroller.fleet.unknown-vms = 'shred'; use destroy or keep")]
    [InlineData("cloudcontroller.provisioning.disk-layout = thin", "cloudcontroller.provisioning.disk-layout = 'thin'")]
    public void A_value_out_of_range_is_refused_naming_its_full_key_and_the_fix(string hocon, string expected)
    {
        var refused = Assert.Throws<ConfigurationException>(() => Read(hocon));

        Assert.Contains(expected, refused.Message);
    }

    [Fact]
    public void A_key_with_no_default_is_a_defect_named_by_its_full_key_not_a_silent_zero()
    {
        var section = new SettingsSection(ConfigurationFactory.ParseString("other = 1"), "cloudcontroller.pools");

        var refused = Assert.Throws<ConfigurationException>(() => section.Int("batch-size"));

        Assert.Contains("cloudcontroller.pools.batch-size is not set and has no default in reference.conf", refused.Message);
    }
}
