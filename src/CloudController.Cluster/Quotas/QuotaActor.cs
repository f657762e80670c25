using Akka.Actor;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Quotas;
using static CloudController.Cluster.Quotas.QuotaProtocol;

namespace CloudController.Cluster.Quotas;

/// <summary>
/// One owner's quota, journaled. As an entity it takes one message at a time, which is what makes a reservation
/// atomic: racing requests are decided one after the other against what the earlier ones took.
/// </summary>
public sealed class QuotaActor : DecidingActor
{
    private readonly string _owner;
    private OwnerQuota _quota;

    public QuotaActor(string owner)
    {
        _owner = owner;
        _quota = OwnerQuota.Empty(owner);
        Recover<IDomainEvent>(Apply);

        Command<Reserve>(r => Decide(_quota.Reserve(r.ClaimId, r.Claim), Status));
        Command<ReserveAll>(r => Decide(_quota.ReserveAll(r.Claims), Status));
        Command<Release>(r => Decide(_quota.Release(r.ClaimId), Status));
        Command<SetLimits>(s => Decide(_quota.Set(s.Limits), Status));
        Command<GetQuota>(_ => Sender.Tell(Status()));
    }

    public override string PersistenceId => $"quota-{_owner}";

    public static Props Props(string owner) => Akka.Actor.Props.Create(() => new QuotaActor(owner));

    private QuotaStatus Status() => new(_owner, _quota.Limits, _quota.Usage);

    protected override void Apply(IDomainEvent e) => _quota = _quota.Apply(e);

    protected override object Refusal(string reason) => new QuotaRefused(reason);
}
