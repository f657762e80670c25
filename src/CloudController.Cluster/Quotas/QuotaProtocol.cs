using System.Collections.Immutable;
using CloudController.Domain.Quotas;

namespace CloudController.Cluster.Quotas;

/// <summary>The messages of the <see cref="QuotaActor"/> entity: one per owner, its id the owner's name.</summary>
public static class QuotaProtocol
{
    public interface IQuotaCommand : IEntityCommand
    {
        string Owner { get; }

        string IEntityCommand.EntityId => Owner;
    }

    /// <summary>Holds a VM's claim; answered <see cref="QuotaStatus"/> or <see cref="QuotaRefused"/>.</summary>
    public sealed record Reserve(string Owner, string ClaimId, QuotaClaim Claim) : IQuotaCommand;

    /// <summary>Holds several claims as one, all or none (a network's members by VM id); answered as <see cref="Reserve"/>.</summary>
    public sealed record ReserveAll(string Owner, ImmutableDictionary<string, QuotaClaim> Claims) : IQuotaCommand;

    /// <summary>Gives a claim back; answered <see cref="QuotaStatus"/> (a task tells it and ignores the answer).</summary>
    public sealed record Release(string Owner, string ClaimId) : IQuotaCommand;

    public sealed record SetLimits(string Owner, QuotaLimits Limits) : IQuotaCommand;

    public sealed record GetQuota(string Owner) : IQuotaCommand;

    public sealed record QuotaStatus(string Owner, QuotaLimits Limits, QuotaClaim Usage) : IClusterMessage;

    public sealed record QuotaRefused(string Reason) : IClusterMessage;
}
