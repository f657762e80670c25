using CloudController.Domain.Provisioning;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.Provisioning;

/// <summary>A migration as a saga: abort or failure at each step before the switch-over rolls back exactly what ran.</summary>
public class MigrationTaskTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ProvisioningTask NewMigration(string? target = null) => ProvisioningTask.Create(new TaskCreated(
        "task-m", TaskKind.Migrate,
        new VmRecord("vm-1", "db-01", "ubuntu", new Resources(2, 4096, 40), VmState.Running, "host-a", "vm-1-disk", "task-1", T0),
        "", 0, T0, TargetHostId: target));

    /// <summary>Runs the task forward until <paramref name="step"/> is the one in flight.</summary>
    private static ProvisioningTask RunUntil(ProvisioningTask task, TaskStep step)
    {
        while (true)
        {
            switch (task.NextAction())
            {
                case SagaAction.ChooseHost:
                    task = task.Apply(new HostChosen("host-b", "most free memory", T0));
                    break;
                case SagaAction.Execute e when e.Step == step:
                    return task;
                case SagaAction.Execute e:
                    task = task.Apply(new StepCompleted(e.Step, T0));
                    break;
                case var other:
                    throw new InvalidOperationException($"unexpected {other}");
            }
        }
    }

    private static List<TaskStep> Undos(ProvisioningTask task)
    {
        var undone = new List<TaskStep>();
        while (task.NextAction() is SagaAction.Undo u)
        {
            undone.Add(u.Step);
            task = task.Apply(new StepUndone(u.Step, T0));
        }
        Assert.IsType<SagaAction.Finish>(task.NextAction());
        return undone;
    }

    [Fact]
    public void The_source_is_where_the_VM_is_and_the_target_is_chosen_by_placement()
    {
        var task = NewMigration("host-b");
        Assert.Equal(("host-a", null, "host-b"), (task.SourceHostId, task.HostId, task.TargetHostId));
        Assert.Equal(TaskPlan.Migrate, task.Steps);
        Assert.Contains("away from host-a to host-b", task.History[0].Message);
    }

    [Theory]
    [InlineData(TaskStep.MarkingMigration, new[] { TaskStep.MarkingMigration })]
    [InlineData(TaskStep.Placing, new[] { TaskStep.Placing, TaskStep.MarkingMigration })]
    [InlineData(TaskStep.PreparingTarget, new[] { TaskStep.PreparingTarget, TaskStep.Placing, TaskStep.MarkingMigration })]
    public void An_abort_at_each_step_before_the_switch_over_undoes_that_step_and_every_one_before_it(TaskStep at, TaskStep[] expected)
    {
        var task = RunUntil(NewMigration(), at);
        Assert.Null(task.AbortRefusal());
        task = task.Apply(new AbortRequested("operator", T0));
        Assert.Equal(expected, Undos(task));
    }

    [Fact]
    public void A_failed_switch_over_rolls_back_but_cannot_be_aborted_while_it_runs()
    {
        var task = RunUntil(NewMigration(), TaskStep.SwitchingOver);
        Assert.Contains("can no longer be aborted", task.AbortRefusal());
        task = task.Apply(new StepFailed(TaskStep.SwitchingOver, "target refused", T0));
        Assert.Equal(TaskState.RollingBack, task.State);
        Assert.Equal([TaskStep.PreparingTarget, TaskStep.Placing, TaskStep.MarkingMigration], Undos(task));
    }

    [Theory]
    [InlineData(TaskStep.Finalizing)]
    [InlineData(TaskStep.CompletingMigration)]
    public void After_the_switch_over_a_failed_step_is_retried_never_rolled_back(TaskStep step)
    {
        var task = RunUntil(NewMigration(), step).Apply(new StepFailed(step, "source busy", T0));
        Assert.Equal(TaskState.Running, task.State);
        Assert.Equal(new SagaAction.Execute(step, 1), task.NextAction());
        Assert.False(task.HoldsReservationOn("host-a"));
    }
}
