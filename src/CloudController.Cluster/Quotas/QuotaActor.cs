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
public sealed class QuotaActor : ReceivePersistentActor
{
    private readonly string _owner;
    private OwnerQuota _quota;

    public QuotaActor(string owner)
    {
        _owner = owner;
        _quota = OwnerQuota.Empty(owner);
        Recover<IDomainEvent>(e => _quota = _quota.Apply(e));

        Command<Reserve>(r => Decide(_quota.Reserve(r.ClaimId, r.Claim)));
        Command<ReserveAll>(r => Decide(_quota.ReserveAll(r.Claims)));
        Command<Release>(r => Decide(_quota.Release(r.ClaimId)));
        Command<SetLimits>(s => Decide(_quota.Set(s.Limits)));
        Command<GetQuota>(_ => Sender.Tell(Status()));
    }

    public override string PersistenceId => $"quota-{_owner}";

    public static Props Props(string owner) => Akka.Actor.Props.Create(() => new QuotaActor(owner));

    private QuotaStatus Status() => new(_owner, _quota.Limits, _quota.Usage);

    private void Decide(Decision decision)
    {
        if (decision.Refusal is { } reason)
        {
            Sender.Tell(new QuotaRefused(reason));
            return;
        }
        if (decision.Event is not { } e)
        {
            Sender.Tell(Status());
            return;
        }
        var replyTo = Sender;
        Persist(e, persisted =>
        {
            _quota = _quota.Apply(persisted);
            replyTo.Tell(Status());
        });
    }
}
