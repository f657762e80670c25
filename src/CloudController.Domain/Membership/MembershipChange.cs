namespace CloudController.Domain.Membership;

/// <summary>
/// Whether an operator may make a member leave or down it, and which member an address names. Refused: an address
/// no member has, a member already on its way out, and taking the cluster's last serving member away (the data
/// stays in the journal, but nothing would serve it until a node is started again).
/// </summary>
public static class MembershipChange
{
    private static readonly HashSet<string> Leaving = ["Leaving", "Exiting", "Down", "Removed"];

    /// <summary>The member an operator's address names: the full address, or just host:port.</summary>
    public static MemberView? Find(IReadOnlyCollection<MemberView> members, string address)
    {
        var given = address.Trim().TrimEnd('/');
        return members.FirstOrDefault(m => string.Equals(m.Address, given, StringComparison.OrdinalIgnoreCase))
               ?? members.FirstOrDefault(m => m.Address.EndsWith("@" + given, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Why the member at <paramref name="address"/> may not leave (or, with <paramref name="down"/>, be downed); null when it may.</summary>
    public static string? Refusal(IReadOnlyCollection<MemberView> members, string address, bool down)
    {
        var verb = down ? "down" : "make leave";
        if (string.IsNullOrWhiteSpace(address))
            return $"name the member to {verb}: its address as `ccm cluster show` lists it (akka.tcp://system@host:port, or host:port)";
        if (Find(members, address) is not { } member)
            return $"no member of the cluster is at '{address.Trim()}'; `ccm cluster show` lists the members and their addresses";
        if (Leaving.Contains(member.Status))
            return $"{member.Address} is already {member.Status.ToLowerInvariant()}; it leaves the cluster without more help";
        if (!members.Any(m => m != member && !Leaving.Contains(m.Status)))
            return $"{member.Address} is the cluster's last member: with it gone nothing would serve the API; stop the node instead";
        return null;
    }

    /// <summary>The members to down for `down-unreachable`: the unreachable ones not already on their way out.</summary>
    /// <returns>The addresses, or a refusal when downing them would leave no member (this node would then be the unreachable side).</returns>
    public static (IReadOnlyList<string> Addresses, string? Refusal) Unreachable(IReadOnlyCollection<MemberView> members)
    {
        var unreachable = members.Where(m => !m.Reachable && !Leaving.Contains(m.Status)).ToList();
        if (unreachable.Count > 0 && !members.Any(m => m.Reachable && !Leaving.Contains(m.Status)))
            return ([], "every member is unreachable from here; down them from a node on the side that should keep running");
        return (unreachable.Select(m => m.Address).ToList(), null);
    }
}
