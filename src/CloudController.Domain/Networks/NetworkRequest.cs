using System.Collections.Immutable;

namespace CloudController.Domain.Networks;

/// <summary>
/// One VM of a network: its role (web, app, db), the model it is cloned from, its host name (default
/// network-role), and its provisioning data, whose values may refer to other members' identities:
/// <c>${app.ip}</c>, <c>${app.hostname}</c>, <c>${app.fqdn}</c>.
/// </summary>
public sealed record NetworkMember(string Role, string Model, string? Hostname, ImmutableSortedDictionary<string, string> Data);

/// <summary>Several VMs provisioned as one unit, addressed from one range, whose apps point at each other.</summary>
public sealed record NetworkRequest(string Name, string Domain, string IpRange, ImmutableArray<NetworkMember> Members);

/// <summary>A member with its identity assigned and the references in its data resolved.</summary>
public sealed record PlannedMember(string Role, string Model, string Hostname, string Ip, ImmutableSortedDictionary<string, string> Data)
{
    public override string ToString() => $"{Role}: {Hostname} ({Ip})";
}
