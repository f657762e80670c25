using System.Collections.Immutable;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Quotas;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Quotas;

public class OwnerQuotaTests
{
    private static readonly QuotaClaim Small = QuotaClaim.ForVm(new Resources(2, 2048, 20));

    private static OwnerQuota Decided(OwnerQuota quota, Decision decision) => decision.Event is { } e ? quota.Apply(e) : quota;

    private static OwnerQuota WithLimits(QuotaLimits limits) => Decided(OwnerQuota.Empty("alice"), OwnerQuota.Empty("alice").Set(limits));

    [Fact]
    public void Claims_are_held_until_the_last_unit_and_the_next_is_refused_naming_quota_usage_request_and_limit()
    {
        var quota = WithLimits(new QuotaLimits(Vms: null, VCpus: 5, MemoryMib: null, DiskGib: null));
        quota = Decided(quota, quota.Reserve("vm-1", Small));
        quota = Decided(quota, quota.Reserve("vm-2", Small));
        Assert.Equal(new QuotaClaim(2, 4, 4096, 40), quota.Usage);

        var refused = quota.Reserve("vm-3", Small);
        Assert.Equal("quota vcpu of alice exceeded: 4 vCPUs in use + 2 vCPUs requested > limit 5 vCPUs; " +
                     "free some (`ccm vm delete`), ask for less, or ask an administrator for more (`ccm quota set`)", refused.Refusal);
        Assert.False(quota.Reserve("vm-3", QuotaClaim.ForVm(new Resources(1, 512, 5))).IsRefused);
    }

    [Fact]
    public void Each_limit_is_checked_and_no_limit_means_none()
    {
        Assert.StartsWith("quota vms of alice exceeded: 0 in use + 1 requested > limit 0", WithLimits(new QuotaLimits(0, null, null, null)).Reserve("v", Small).Refusal);
        Assert.StartsWith("quota memory of alice exceeded: 0 MiB in use + 2048 MiB requested > limit 1024 MiB",
            WithLimits(new QuotaLimits(null, null, 1024, null)).Reserve("v", Small).Refusal);
        Assert.StartsWith("quota disk of alice exceeded", WithLimits(new QuotaLimits(null, null, null, 10)).Reserve("v", Small).Refusal);
        Assert.False(OwnerQuota.Empty("alice").Reserve("v", new QuotaClaim(1000, 100_000, long.MaxValue / 4, 1)).IsRefused);
    }

    [Fact]
    public void A_release_gives_the_claim_back_and_repeating_either_changes_nothing()
    {
        var quota = WithLimits(new QuotaLimits(1, null, null, null));
        quota = Decided(quota, quota.Reserve("vm-1", Small));
        Assert.Equal(Decision.AlreadyDone, quota.Reserve("vm-1", Small));
        Assert.True(quota.Reserve("vm-2", Small).IsRefused);
        quota = Decided(quota, quota.Release("vm-1"));
        Assert.Equal(QuotaClaim.Zero, quota.Usage);
        Assert.Equal(Decision.AlreadyDone, quota.Release("vm-1"));
        Assert.False(quota.Reserve("vm-2", Small).IsRefused);
    }

    [Fact]
    public void Lowering_a_limit_below_use_takes_nothing_away_and_a_negative_limit_is_refused_by_name()
    {
        var quota = WithLimits(QuotaLimits.None);
        quota = Decided(quota, quota.Reserve("vm-1", Small));
        quota = Decided(quota, quota.Set(new QuotaLimits(0, null, null, null)));
        Assert.Equal(1, quota.Usage.Vms);
        Assert.True(quota.Reserve("vm-2", Small).IsRefused);
        Assert.Equal(["vcpu", "disk"], OwnerQuota.Problems(new QuotaLimits(null, -1, 0, -5)).Select(p => p.Field));
        Assert.StartsWith("vcpu: is -1", quota.Set(new QuotaLimits(null, -1, null, null)).Refusal);
    }

    [Fact]
    public void A_rolled_back_provision_and_a_finished_deletion_release_their_vm_and_nothing_else_does()
    {
        var vm = new VmRecord("vm-1", "web-01", "ubuntu", new Resources(2, 2048, 20), VmState.Provisioning, null, "d", "t", DateTimeOffset.UnixEpoch) { Owner = "alice" };
        ProvisioningTask Task(TaskKind kind, TaskState? end)
        {
            var task = ProvisioningTask.Create(new TaskCreated("t", kind, vm, "img", 10, DateTimeOffset.UnixEpoch));
            return end is { } state ? task.Apply(new TaskFinished(state, DateTimeOffset.UnixEpoch)) : task;
        }
        Assert.Equal("vm-1", QuotaRelease.ClaimReleasedBy(Task(TaskKind.Provision, TaskState.Failed)));
        Assert.Equal("vm-1", QuotaRelease.ClaimReleasedBy(Task(TaskKind.InstantDeploy, TaskState.Aborted)));
        Assert.Equal("vm-1", QuotaRelease.ClaimReleasedBy(Task(TaskKind.Delete, TaskState.Succeeded)));
        Assert.Null(QuotaRelease.ClaimReleasedBy(Task(TaskKind.Provision, TaskState.Succeeded)));
        Assert.Null(QuotaRelease.ClaimReleasedBy(Task(TaskKind.Provision, null)));
        Assert.Null(QuotaRelease.ClaimReleasedBy(Task(TaskKind.Migrate, TaskState.Failed)));
        vm = vm with { Owner = null };
        Assert.Null(QuotaRelease.ClaimReleasedBy(Task(TaskKind.Delete, TaskState.Succeeded)));
    }

    [Fact]
    public void A_pool_claim_counts_its_children_and_a_scale_replaces_it_when_what_it_adds_fits()
    {
        var child = new Resources(1, 256, 1);
        var quota = WithLimits(new QuotaLimits(Vms: 10, VCpus: null, MemoryMib: null, DiskGib: null));
        quota = Decided(quota, quota.Reserve("vm-1", Small));
        quota = Decided(quota, quota.Reserve("pool/web", QuotaClaim.ForPoolChildren(child, 5)));
        Assert.Equal(new QuotaClaim(6, 7, 2048 + 5 * 256, 25), quota.Usage);

        var grown = quota.Reserve("pool/web", QuotaClaim.ForPoolChildren(child, 9));
        Assert.False(grown.IsRefused);
        quota = Decided(quota, grown);
        Assert.Equal(10, quota.Usage.Vms);
        Assert.StartsWith("quota vms of alice exceeded: 1 in use + 10 requested > limit 10", quota.Reserve("pool/web", QuotaClaim.ForPoolChildren(child, 10)).Refusal);
        Assert.Equal(Decision.AlreadyDone, quota.Reserve("pool/web", QuotaClaim.ForPoolChildren(child, 9)));
        quota = Decided(quota, quota.Reserve("pool/web", QuotaClaim.ForPoolChildren(child, 2)));
        Assert.Equal(3, quota.Usage.Vms);
    }

    [Fact]
    public void A_networks_members_are_held_together_all_or_none_and_each_is_given_back_on_its_own()
    {
        var quota = WithLimits(new QuotaLimits(Vms: 5, VCpus: null, MemoryMib: null, DiskGib: null));
        quota = Decided(quota, quota.Reserve("vm-1", Small));
        var shop = ImmutableDictionary<string, QuotaClaim>.Empty.Add("vm-web", Small).Add("vm-app", Small).Add("vm-db", Small);
        quota = Decided(quota, quota.ReserveAll(shop));
        Assert.Equal(new QuotaClaim(4, 8, 8192, 80), quota.Usage);
        Assert.Equal(Decision.AlreadyDone, quota.ReserveAll(shop));

        // Two more do not fit though one would: neither is held, and the refusal names the pair's sum.
        var pair = ImmutableDictionary<string, QuotaClaim>.Empty.Add("vm-a", Small).Add("vm-b", Small);
        var refused = quota.ReserveAll(pair);
        Assert.StartsWith("quota vms of alice exceeded: 4 in use + 2 requested > limit 5; ", refused.Refusal);
        Assert.Null(refused.Event);
        Assert.StartsWith("quota vcpu of alice exceeded: 0 vCPUs in use + 6 vCPUs requested > limit 5 vCPUs",
            WithLimits(new QuotaLimits(null, 5, null, null)).ReserveAll(shop).Refusal);

        // A member deleted gives back its own claim only; then the pair fits.
        quota = Decided(quota, quota.Release("vm-db"));
        Assert.Equal(3, quota.Usage.Vms);
        quota = Decided(quota, quota.ReserveAll(pair));
        Assert.Equal(new QuotaClaim(5, 10, 10240, 100), quota.Usage);
    }
}
