using CloudController.Domain.Provisioning;

namespace CloudController.Domain.Quotas;

/// <summary>When a task gives its VM's claim back to the owner's quota: a provision that rolled back, or a deletion that succeeded.</summary>
public static class QuotaRelease
{
    /// <summary>The claim the ended task releases (its VM's id), or null when it releases none.</summary>
    public static string? ClaimReleasedBy(ProvisioningTask task) =>
        task.Vm.Owner is null ? null
        : task.Kind is TaskKind.Provision or TaskKind.InstantDeploy && task.State is TaskState.Failed or TaskState.Aborted ? task.Vm.VmId
        : task.Kind == TaskKind.Delete && task.State == TaskState.Succeeded ? task.Vm.VmId
        : null;
}
