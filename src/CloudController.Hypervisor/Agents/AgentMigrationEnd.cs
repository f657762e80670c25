namespace CloudController.Hypervisor.Agents;

/// <summary>One machine's half of a migration between two agents: each step a call to that machine's agent.</summary>
internal sealed class AgentMigrationEnd(AgentLink agent, string hostId) : IMachineMigration
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
}
