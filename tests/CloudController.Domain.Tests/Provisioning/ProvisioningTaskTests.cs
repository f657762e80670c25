using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Provisioning;

public class ProvisioningTaskTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProvisioningTask NewProvision() => ProvisioningTask.Create(new TaskCreated(
        "task-1", TaskKind.Provision,
        new VmRecord("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, "vm-1-disk", "task-1", T0),
        "ubuntu-24.04", 10, T0));

    private static ProvisioningTask NewDelete() => ProvisioningTask.Create(new TaskCreated(
        "task-2", TaskKind.Delete,
        new VmRecord("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Running, "host-a", "vm-1-disk", "task-1", T0),
        "", 0, T0));

    private static ProvisioningTask RunForward(ProvisioningTask task, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            task = task.NextAction() switch
            {
                SagaAction.ChooseHost => task.Apply(new HostChosen("host-a", "most free memory", T0)),
                SagaAction.Execute e => task.Apply(new StepCompleted(e.Step, T0)),
                var other => throw new InvalidOperationException($"unexpected {other}"),
            };
        }
        return task;
    }

    [Fact]
    public void A_provision_chooses_a_host_then_runs_every_step_in_order_and_succeeds()
    {
        var task = NewProvision();
        var seen = new List<TaskStep>();
        Assert.Equal(new SagaAction.Execute(TaskStep.RecordingVm, 0), task.NextAction());

        while (task.NextAction() is not SagaAction.Finish)
        {
            switch (task.NextAction())
            {
                case SagaAction.ChooseHost:
                    Assert.Equal(TaskStep.Placing, task.CurrentStep);
                    task = task.Apply(new HostChosen("host-a", "fits", T0));
                    break;
                case SagaAction.Execute e:
                    seen.Add(e.Step);
                    task = task.Apply(new StepCompleted(e.Step, T0));
                    break;
            }
        }

        Assert.Equal(TaskPlan.Provision, seen);
        Assert.Equal(new SagaAction.Finish(TaskState.Succeeded), task.NextAction());
        task = task.Apply(new TaskFinished(TaskState.Succeeded, T0));
        Assert.True(task.IsEnded);
        Assert.Equal(100, task.Percent);
        Assert.Equal("Succeeded", task.Stage);
        Assert.Same(SagaAction.None.Instance, task.NextAction());
    }

    [Fact]
    public void Percent_grows_with_completed_steps_and_stage_names_the_running_step()
    {
        var task = RunForward(NewProvision(), 3); // recorded, host chosen, placed
        Assert.Equal("CloningDisk", task.Stage);
        Assert.Equal(2 * 100 / TaskPlan.Provision.Length, task.Percent);
    }

    [Theory]
    [InlineData(TaskStep.RecordingVm, new TaskStep[] { TaskStep.RecordingVm })]
    [InlineData(TaskStep.Placing, new[] { TaskStep.Placing, TaskStep.RecordingVm })]
    [InlineData(TaskStep.CloningDisk, new[] { TaskStep.CloningDisk, TaskStep.Placing, TaskStep.RecordingVm })]
    [InlineData(TaskStep.Registering, new[] { TaskStep.Registering, TaskStep.CloningDisk, TaskStep.Placing, TaskStep.RecordingVm })]
    [InlineData(TaskStep.PoweringOn, new[] { TaskStep.PoweringOn, TaskStep.Registering, TaskStep.CloningDisk, TaskStep.Placing, TaskStep.RecordingVm })]
    [InlineData(TaskStep.InstallingApps, new[] { TaskStep.PoweringOn, TaskStep.Registering, TaskStep.CloningDisk, TaskStep.Placing, TaskStep.RecordingVm })]
    [InlineData(TaskStep.Finalizing, new[] { TaskStep.PoweringOn, TaskStep.Registering, TaskStep.CloningDisk, TaskStep.Placing, TaskStep.RecordingVm })]
    public void A_failed_step_rolls_back_it_and_every_earlier_step_in_reverse(TaskStep failing, TaskStep[] expectedUndo)
    {
        var task = NewProvision();
        while (task.CurrentStep != failing || task.NextAction() is SagaAction.ChooseHost)
        {
            task = RunForward(task, 1);
        }

        task = task.Apply(new StepFailed(failing, "injected fault", T0));
        Assert.Equal(TaskState.RollingBack, task.State);
        Assert.Equal("injected fault", task.Error);

        var undone = new List<TaskStep>();
        while (task.NextAction() is SagaAction.Undo u)
        {
            undone.Add(u.Step);
            task = task.Apply(new StepUndone(u.Step, T0));
        }

        Assert.Equal(expectedUndo, undone);
        Assert.Equal(new SagaAction.Finish(TaskState.Failed), task.NextAction());
    }

    [Fact]
    public void An_abort_rolls_back_the_step_in_flight_too_and_ends_aborted()
    {
        var task = RunForward(NewProvision(), 4); // RecordingVm, host, Placing, CloningDisk done; Registering in flight
        Assert.Null(task.AbortRefusal());

        task = task.Apply(new AbortRequested("operator", T0));
        Assert.Equal(TaskState.RollingBack, task.State);
        Assert.Equal(new SagaAction.Undo(TaskStep.Registering), task.NextAction());
        Assert.Equal("RollingBack:Registering", task.Stage);

        while (task.NextAction() is SagaAction.Undo u) task = task.Apply(new StepUndone(u.Step, T0));
        Assert.Equal(new SagaAction.Finish(TaskState.Aborted), task.NextAction());
        Assert.Equal(4, task.Undone.Count);
    }

    [Fact]
    public void Abort_is_refused_once_finalizing_after_the_end_while_rolling_back_and_for_deletes()
    {
        var finalizing = RunForward(NewProvision(), 7);
        Assert.Equal(TaskStep.Finalizing, finalizing.CurrentStep);
        Assert.Contains("finalizing", finalizing.AbortRefusal());

        var rollingBack = NewProvision().Apply(new AbortRequested("x", T0));
        Assert.Contains("already rolling back", rollingBack.AbortRefusal());

        var ended = RunForward(NewProvision(), 8).Apply(new TaskFinished(TaskState.Succeeded, T0));
        Assert.Contains("already ended", ended.AbortRefusal());

        Assert.Contains("cannot be aborted", NewDelete().AbortRefusal());
    }

    [Fact]
    public void A_refused_host_is_excluded_from_the_next_placement_and_too_many_refusals_fail_the_task()
    {
        var task = RunForward(NewProvision(), 2); // recorded, host chosen
        task = task.Apply(new HostRefused("host-a", "full", T0));
        Assert.Null(task.HostId);
        var choose = Assert.IsType<SagaAction.ChooseHost>(task.NextAction());
        Assert.Contains("host-a", choose.ExcludedHosts);

        for (var i = 1; i < ProvisioningTask.MaxHostRefusals; i++)
        {
            task = task.Apply(new HostChosen($"host-{i}", "fits", T0)).Apply(new HostRefused($"host-{i}", "full", T0));
        }
        Assert.IsType<SagaAction.Fail>(task.NextAction());
    }

    [Fact]
    public void A_delete_retries_a_failed_step_and_fails_after_the_attempt_limit_without_rolling_back()
    {
        var task = NewDelete().Apply(new StepCompleted(TaskStep.MarkingForDeletion, T0));
        task = task.Apply(new StepFailed(TaskStep.PoweringOff, "host down", T0));
        Assert.Equal(TaskState.Running, task.State);
        Assert.Equal(new SagaAction.Execute(TaskStep.PoweringOff, 1), task.NextAction());

        for (var i = 1; i < TaskPlan.MaxDeleteAttempts; i++) task = task.Apply(new StepFailed(TaskStep.PoweringOff, "host down", T0));
        Assert.Equal(TaskState.Failed, task.State);
        Assert.Same(SagaAction.None.Instance, task.NextAction());
    }

    [Fact]
    public void A_delete_runs_its_steps_in_order()
    {
        var task = NewDelete();
        var seen = new List<TaskStep>();
        while (task.NextAction() is SagaAction.Execute e)
        {
            seen.Add(e.Step);
            task = task.Apply(new StepCompleted(e.Step, T0));
        }
        Assert.Equal(TaskPlan.Delete, seen);
        Assert.Equal(new SagaAction.Finish(TaskState.Succeeded), task.NextAction());
    }

    [Fact]
    public void An_instant_deploy_copies_and_resumes_instead_of_cloning_and_booting_and_undoes_both()
    {
        var task = ProvisioningTask.Create(new TaskCreated("task-3", TaskKind.InstantDeploy,
            new VmRecord("vm-3", "web-03", "ubuntu", new Resources(2, 4096, 40), VmState.Provisioning, null, "vm-3-disk", "task-3", T0),
            "ubuntu-24.04", 10, T0));
        var seen = new List<TaskStep>();
        while (task.NextAction() is SagaAction.Execute or SagaAction.ChooseHost && task.CurrentStep != TaskStep.Finalizing)
        {
            if (task.NextAction() is SagaAction.Execute e) seen.Add(e.Step);
            task = RunForward(task, 1);
        }
        Assert.Equal([TaskStep.RecordingVm, TaskStep.Placing, TaskStep.CopyingImage, TaskStep.Resuming], seen);

        task = task.Apply(new StepFailed(TaskStep.Finalizing, "host gone", T0));
        var undone = new List<TaskStep>();
        while (task.NextAction() is SagaAction.Undo u)
        {
            undone.Add(u.Step);
            task = task.Apply(new StepUndone(u.Step, T0));
        }
        Assert.Equal([TaskStep.Resuming, TaskStep.CopyingImage, TaskStep.Placing, TaskStep.RecordingVm], undone);
    }

    [Fact]
    public void History_records_every_event_with_the_stage_it_happened_in()
    {
        var task = RunForward(NewProvision(), 2).Apply(new StepFailed(TaskStep.Placing, "no room", T0));
        Assert.Equal(["Accepted", "RecordingVm", "Placing", "Placing"], task.History.Select(h => h.Stage));
        Assert.Contains("no room", task.History[^1].Message);
    }

    [Fact]
    public void An_event_no_transition_leads_from_is_refused_naming_it_not_ignored()
    {
        var task = NewProvision();
        var created = new TaskCreated("task-1", TaskKind.Provision, task.Vm, "ubuntu-24.04", 10, T0);

        var e = Assert.Throws<InvalidTransition>(() => task.Apply(created));
        Assert.Equal("task task-1 (RecordingVm) cannot apply TaskCreated: no transition of a task leads from it", e.Message);
        Assert.Equal(("task-1", "RecordingVm"), (e.EntityId, e.State));
        Assert.Same(created, e.Event);
        Assert.IsType<VmDeletionStarted>(Assert.Throws<InvalidTransition>(() => task.Apply(new VmDeletionStarted("task-9"))).Event);
    }
}
