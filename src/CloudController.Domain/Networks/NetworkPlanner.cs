using System.Collections.Immutable;
using System.Text.RegularExpressions;
using CloudController.Domain.Networking;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Networks;

/// <summary>
/// Gives every member of a network its new identity (host name, and the lowest address of the range no live VM
/// uses) and rewrites each member's data so its references to other members hold under those identities.
/// </summary>
public static partial class NetworkPlanner
{
    public const int MaxMembers = 50;

    [GeneratedRegex(@"\$\{([a-z0-9-]+)\.([a-z]+)\}")]
    private static partial Regex Reference();

    public static (ImmutableArray<PlannedMember> Members, IReadOnlyList<FieldError> Errors) Plan(
        NetworkRequest request, IReadOnlySet<string> usedIps, IReadOnlySet<string> usedHostnames)
    {
        var errors = new List<FieldError>();
        if (HostnameRules.CatalogNameProblem(request.Name) is { } name)
            errors.Add(new FieldError("name", $"the network name {name}", "use lower-case letters, digits and '-', e.g. shop"));
        if (request.Domain.Length > 0 && HostnameRules.NameProblem(request.Domain) is { } domain)
            errors.Add(new FieldError("domain", $"the domain {domain}", "use a DNS name such as corp.example.com, or nothing"));
        var (range, rangeProblem) = Ipv4Range.Parse(request.IpRange);
        if (rangeProblem is not null) errors.Add(new FieldError("ipRange", rangeProblem, "give first-last, e.g. 10.0.1.10-10.0.1.20, or a CIDR block"));
        if (request.Members.IsDefaultOrEmpty || request.Members.Length > MaxMembers)
            errors.Add(new FieldError("members", $"a network has 1 to {MaxMembers} members", "list the VMs of the network"));
        var roles = new HashSet<string>(StringComparer.Ordinal);
        var members = request.Members.IsDefault ? [] : request.Members;
        for (var i = 0; i < members.Length; i++)
        {
            var m = members[i];
            if (HostnameRules.CatalogNameProblem(m.Role) is { } role) errors.Add(new FieldError($"members[{i}].role", $"the role {role}", "use e.g. web, app or db"));
            else if (!roles.Add(m.Role)) errors.Add(new FieldError($"members[{i}].role", $"{m.Role} is used twice", "give each member its own role"));
            if (m.Hostname is { Length: > 0 } h && HostnameRules.LabelProblem(h) is { } hostname)
                errors.Add(new FieldError($"members[{i}].hostname", $"the host name {hostname}", "use a label such as shop-web, or leave it out"));
        }
        for (var i = 0; i < members.Length; i++)
        {
            foreach (var (key, value) in members[i].Data)
            {
                foreach (Match reference in Reference().Matches(value))
                {
                    if (!roles.Contains(reference.Groups[1].Value))
                        errors.Add(new FieldError($"members[{i}].data[{key}]", $"refers to {reference.Value}, but the network has no member {reference.Groups[1].Value}", $"refer to one of {string.Join(", ", roles)}"));
                    else if (reference.Groups[2].Value is not ("ip" or "hostname" or "fqdn"))
                        errors.Add(new FieldError($"members[{i}].data[{key}]", $"refers to {reference.Value}", "refer to a member's ip, hostname or fqdn"));
                }
            }
        }
        if (errors.Count > 0) return ([], errors);

        var hostnames = members.Select(m => m.Hostname is { Length: > 0 } h ? h : $"{request.Name}-{m.Role}").ToList();
        foreach (var (h, i) in hostnames.Select((h, i) => (h, i)).Where(x => usedHostnames.Contains(x.h) || hostnames.Count(o => o == x.h) > 1))
            errors.Add(new FieldError($"members[{i}].hostname", $"{h} is already a live VM's or another member's name", "give the member another host name"));
        var ips = new List<string>();
        for (var address = range!.First; ips.Count < members.Length; address++)
        {
            var ip = Ipv4Range.Format(address);
            if (!usedIps.Contains(ip)) ips.Add(ip);
            if (address == range.Last) break;
        }
        if (ips.Count < members.Length)
            errors.Add(new FieldError("ipRange", $"{request.IpRange} has {ips.Count} addresses no live VM uses, {members.Length} are needed", "widen the range"));
        if (errors.Count > 0) return ([], errors);

        var identity = members.Select((m, i) => (m.Role, Hostname: hostnames[i], Ip: ips[i]))
            .ToDictionary(x => x.Role, x => x, StringComparer.Ordinal);
        string Resolve(string value) => Reference().Replace(value, r =>
        {
            var target = identity[r.Groups[1].Value];
            return r.Groups[2].Value switch
            {
                "ip" => target.Ip,
                "hostname" => target.Hostname,
                _ => request.Domain.Length > 0 ? $"{target.Hostname}.{request.Domain}" : target.Hostname,
            };
        });
        var planned = members.Select((m, i) =>
        {
            var data = m.Data.ToImmutableSortedDictionary(d => d.Key, d => Resolve(d.Value), StringComparer.Ordinal)
                .SetItem("hostname", hostnames[i]).SetItem("ip", ips[i]);
            if (request.Domain.Length > 0) data = data.SetItem("domain", request.Domain);
            return new PlannedMember(m.Role, m.Model, hostnames[i], ips[i], data);
        }).ToImmutableArray();
        return (planned, []);
    }
}
