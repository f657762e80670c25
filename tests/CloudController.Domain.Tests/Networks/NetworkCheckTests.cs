using System.Collections.Immutable;
using CloudController.Domain.Networks;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Networks;

public class NetworkCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static NetworkMemberRecord Member(string role) => new(
        new PlannedMember(role, "ubuntu", $"shop-{role}", "10.0.1.10", ImmutableSortedDictionary<string, string>.Empty),
        new VmRecord($"vm-{role}", $"shop-{role}", "ubuntu", new Resources(1, 1024, 10), VmState.Provisioning, null, $"vm-{role}-disk", $"task-{role}", T0),
        "ubuntu-24.04", 10);

    private static readonly VmNetwork Shop = new("shop", [Member("web"), Member("db")], NetworkPhase.Provisioning, null);

    private static ProvisioningTask Task(NetworkMemberRecord m, TaskState state, string? error = null) =>
        ProvisioningTask.Create(new TaskCreated(m.TaskId, TaskKind.Provision, m.Vm, "ubuntu-24.04", 10, T0)) with { State = state, Error = error };

    private static MembersSeen Seen(ProvisioningTask? web, ProvisioningTask? db, ProvisioningTask? webUndo = null, params string[] left) => new(
        ImmutableDictionary<string, ProvisioningTask?>.Empty.Add("web", web).Add("db", db),
        ImmutableDictionary<string, ProvisioningTask?>.Empty.Add("web", webUndo).Add("db", null),
        left.ToImmutableHashSet());

    [Fact]
    public void A_network_is_ready_only_when_every_member_succeeded()
    {
        var (web, db) = (Shop.Members[0], Shop.Members[1]);
        Assert.Null(NetworkCheck.Of(Shop, Seen(Task(web, TaskState.Succeeded), Task(db, TaskState.Running))).Event);
        Assert.Null(NetworkCheck.Of(Shop, Seen(Task(web, TaskState.Succeeded), null)).Event);
        Assert.IsType<NetworkReady>(NetworkCheck.Of(Shop, Seen(Task(web, TaskState.Succeeded), Task(db, TaskState.Succeeded))).Event);
    }

    [Fact]
    public void A_failed_member_rolls_the_network_back_naming_it_then_the_rest_is_aborted_or_deleted_once()
    {
        var (web, db) = (Shop.Members[0], Shop.Members[1]);
        var failing = NetworkCheck.Of(Shop, Seen(Task(web, TaskState.Succeeded), Task(db, TaskState.Failed, "disk full")));
        Assert.Equal("member db failed: disk full", Assert.IsType<NetworkRollingBack>(failing.Event).Reason);

        var rolling = Shop with { Phase = NetworkPhase.RollingBack };
        var running = NetworkCheck.Of(rolling, Seen(Task(web, TaskState.Running), Task(db, TaskState.Failed), left: []));
        Assert.Equal(["web"], running.ToAbort.Select(m => m.Plan.Role));
        Assert.Empty(running.ToDelete);

        var made = NetworkCheck.Of(rolling, Seen(Task(web, TaskState.Succeeded), Task(db, TaskState.Failed), left: "web"));
        Assert.Equal(["web"], made.ToDelete.Select(m => m.Plan.Role));
        Assert.Null(made.Event);
        // Its deletion started: not started again, and listed as deleting.
        var deleting = NetworkCheck.Of(rolling, Seen(Task(web, TaskState.Succeeded), Task(db, TaskState.Failed), Task(web, TaskState.Running), "web"));
        Assert.Empty(deleting.ToDelete);
        Assert.StartsWith("deleting: ", deleting.States["web"]);

        Assert.IsType<NetworkRolledBack>(NetworkCheck.Of(rolling, Seen(Task(web, TaskState.Succeeded), Task(db, TaskState.Failed))).Event);
    }
}
