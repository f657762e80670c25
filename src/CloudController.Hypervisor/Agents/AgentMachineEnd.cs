namespace CloudController.Hypervisor.Agents;

/// <summary>One machine's half of a migration or a copy between two agents: each step a call to that machine's agent.</summary>
internal sealed class AgentMachineEnd(AgentLink agent, string hostId) : IMachineMigration, IMachineCopy
{
    public Task<MigrationOffer> OfferMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        agent.CallAsync<MigrationOffer>(DriverOperation.OfferMigration, hostId, ct, plan);

    public Task AcceptMigrationAsync(MigrationPlan plan, MigrationOffer offer, CancellationToken ct) =>
        agent.CallAsync(DriverOperation.AcceptMigration, hostId, ct, plan, offer);

    public Task<MigrationEndpoints> ListenForMigrationAsync(MigrationPlan plan, CancellationToken ct) =>
        agent.CallAsync<MigrationEndpoints>(DriverOperation.ListenForMigration, hostId, ct, plan);

    public Task SendMigrationAsync(MigrationPlan plan, MigrationEndpoints to, CancellationToken ct) =>
        agent.CallAsync(DriverOperation.SendMigration, hostId, ct, plan, to);

    public Task FinishMigrationAsync(MigrationPlan plan, CancellationToken ct) => agent.CallAsync(DriverOperation.FinishMigration, hostId, ct, plan);

    public Task EndMigrationSourceAsync(MigrationPlan plan, bool moved, CancellationToken ct) =>
        agent.CallAsync(DriverOperation.EndMigrationSource, hostId, ct, plan, moved);

    public Task DropMigrationTargetAsync(MigrationPlan plan, CancellationToken ct) => agent.CallAsync(DriverOperation.DropMigrationTarget, hostId, ct, plan);

    public Task<CopyOffer> OfferCopyAsync(CopyPlan plan, CancellationToken ct) => agent.CallAsync<CopyOffer>(DriverOperation.OfferCopy, hostId, ct, plan);

    public Task AcceptCopyAsync(CopyPlan plan, CopyOffer offer, CancellationToken ct) => agent.CallAsync(DriverOperation.AcceptCopy, hostId, ct, plan, offer);

    public Task EndCopyOfferAsync(CopyPlan plan, CancellationToken ct) => agent.CallAsync(DriverOperation.EndCopyOffer, hostId, ct, plan);
}
