using System.Collections.Immutable;
using CloudController.Domain.Placement;
using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Provisioning;

public class TaskPolicyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static VmRecord Vm(string? hostId = null) =>
        new("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, hostId, "vm-1-disk", "task-1", T0, MinimumMemoryMib: 2048);

    private static ProvisioningTask Provision() =>
        ProvisioningTask.Create(new TaskCreated("task-1", TaskKind.Provision, Vm(), "ubuntu-24.04", 10, T0));

    private static ProvisioningTask Delete() =>
        ProvisioningTask.Create(new TaskCreated("task-2", TaskKind.Delete, Vm("host-a") with { State = VmState.Running }, "", 0, T0));

    /// <summary>A provision recorded and with <paramref name="host"/> chosen: its next step reserves there.</summary>
    private static ProvisioningTask Placing(string host = "host-a") =>
        Provision().Apply(new StepCompleted(TaskStep.RecordingVm, T0)).Apply(new HostChosen(host, "fits", T0));

    private static readonly SagaAction.ChooseHost Choose = new(["host-x"]);

    [Fact]
    public void A_provision_searches_every_host_but_those_that_refused_and_may_be_granted_its_minimum_memory()
    {
        var search = TaskPolicy.HostSearch(Provision(), ["host-x"]);

        Assert.Equal(["host-x"], search.Request.ExcludedHosts);
        Assert.Equal(4096, search.Request.Amount.MemoryMib);
        Assert.Equal(2048, search.MinimumMemoryMib);
        Assert.Null(search.OnlyHost);
    }

    [Fact]
    public void A_migration_leaves_out_its_source_keeps_its_memory_and_goes_only_to_the_target_it_names()
    {
        var task = ProvisioningTask.Create(new TaskCreated("task-3", TaskKind.Migrate, Vm("host-a") with { State = VmState.Running },
            "ubuntu-24.04", 10, T0, TargetHostId: "host-b"));

        var search = TaskPolicy.HostSearch(task, ["host-x"]);

        Assert.Equal(["host-a", "host-x"], search.Request.ExcludedHosts.Order());
        Assert.Null(search.MinimumMemoryMib);
        Assert.Equal("host-b", search.OnlyHost);
    }

    [Fact]
    public void A_found_host_is_chosen_recording_the_memory_granted_only_when_less_than_desired()
    {
        var task = Provision().Apply(new StepCompleted(TaskStep.RecordingVm, T0));
        var found = new PlacementDecision(["host-b", "host-c"], [], 2);

        var full = TaskPolicy.Resolve(task, Choose, new ActionResult(null, found, 4096), 0, T0);
        var shrunk = TaskPolicy.Resolve(task, Choose, new ActionResult(null, found, 2048), 0, T0);

        Assert.Equal(new HostChosen("host-b", "host-b (most free memory) of 2 fitting hosts", T0), full.Event);
        Assert.Equal(2048, Assert.IsType<HostChosen>(shrunk.Event).GrantedMemoryMib);
        Assert.Null(full.RetryAfter);
    }

    [Fact]
    public void No_host_found_or_a_placement_error_fails_placing_with_the_reason()
    {
        var task = Provision().Apply(new StepCompleted(TaskStep.RecordingVm, T0));
        var none = new PlacementDecision([], [new HostRejection("host-b", PlacementPolicy.ExcludedFilter, "excluded by the request")], 1);

        var notFound = Assert.IsType<StepFailed>(TaskPolicy.Resolve(task, Choose, new ActionResult(null, none, 2048), 0, T0).Event);
        var failed = Assert.IsType<StepFailed>(TaskPolicy.Resolve(task, Choose, new ActionResult("fleet view timed out"), 0, T0).Event);

        Assert.Equal((TaskStep.Placing, "no host fits 2 vCPU, 2048 MiB, 40 GiB: 1 hosts considered: 1 excluded by the request"), (notFound.Step, notFound.Error));
        Assert.Equal("placement failed: fleet view timed out", failed.Error);
    }

    [Fact]
    public void A_step_done_is_completed_and_a_refused_reservation_names_the_host_that_refused()
    {
        var task = Placing("host-b");
        var placing = new SagaAction.Execute(TaskStep.Placing, 0);

        Assert.Equal(new StepCompleted(TaskStep.Placing, T0), TaskPolicy.Resolve(task, placing, new ActionResult(null), 0, T0).Event);
        Assert.Equal(new HostRefused("host-b", "full", T0), TaskPolicy.Resolve(task, placing, new ActionResult(null, HostRefusal: "full"), 0, T0).Event);
    }

    [Fact]
    public void A_failed_step_rolls_back_at_once_before_the_point_of_no_return()
    {
        var resolution = TaskPolicy.Resolve(Placing(), new SagaAction.Execute(TaskStep.Placing, 0), new ActionResult("host gone"), 0, T0);

        Assert.Equal(new StepFailed(TaskStep.Placing, "host gone", T0), resolution.Event);
        Assert.Null(resolution.RetryAfter);
    }

    [Fact]
    public void A_failed_deletion_step_is_retried_after_a_backoff_that_grows_until_the_deletion_gives_up()
    {
        var task = Delete();
        var step = new SagaAction.Execute(TaskStep.MarkingForDeletion, 0);
        var backoffs = new List<int?>();
        while (!task.IsEnded)
        {
            var resolution = TaskPolicy.Resolve(task, step, new ActionResult("host busy"), 0, T0);
            backoffs.Add(resolution.RetryAfter);
            task = task.Apply(resolution.Event!);
        }

        Assert.Equal([1, 2, 3, 4, 5, 6, 7, null], backoffs);
        Assert.Equal(TaskPlan.MaxDeleteAttempts, backoffs.Count);
    }

    [Fact]
    public void A_failed_undo_records_nothing_and_retries_with_a_growing_backoff_until_one_succeeds()
    {
        var task = Placing().Apply(new StepFailed(TaskStep.Placing, "host gone", T0));
        var undo = (SagaAction.Undo)task.NextAction();

        var failed = TaskPolicy.Resolve(task, undo, new ActionResult("driver down"), 2, T0);
        var done = TaskPolicy.Resolve(task, undo, new ActionResult(null), 3, T0);

        Assert.Equal(new StepResolution(null, 3, 3), failed);
        Assert.Equal(new StepResolution(new StepUndone(undo.Step, T0), null, 0), done);
    }
}
