using Akka.Actor;
using CloudController.Api.Errors;
using static CloudController.Cluster.Quotas.QuotaProtocol;

namespace CloudController.Api.Services;

/// <summary>
/// Claims held against an owner's quota before the work that needs them, and given back if that work fails. The
/// owner's quota entity decides racing requests one at a time, so two cannot both take its last unit.
/// </summary>
public static class QuotaHold
{
    /// <summary>Asks the owner's quota entity to hold a claim; a refusal is the call's QuotaExceeded, naming it.</summary>
    public static async Task ReserveAsync(this ControllerActors actors, IQuotaCommand reserve, CancellationToken ct)
    {
        var reply = await actors.Ask(actors.Quotas, reserve, ct);
        if (reply is QuotaRefused refused) throw RpcErrors.QuotaExceeded(refused.Reason);
        if (reply is not QuotaStatus) throw RpcErrors.Unexpected(reply);
    }

    /// <summary>Holds a claim, then does the work; if the work throws, the claims named are given back.</summary>
    public static async Task<T> WithinQuotaAsync<T>(
        this ControllerActors actors, IQuotaCommand reserve, IEnumerable<Release> giveBack, Func<Task<T>> work, CancellationToken ct)
    {
        await actors.ReserveAsync(reserve, ct);
        try
        {
            return await work();
        }
        catch
        {
            foreach (var release in giveBack) actors.Quotas.Tell(release, ActorRefs.NoSender);
            throw;
        }
    }
}
