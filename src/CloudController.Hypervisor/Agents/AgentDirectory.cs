using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// The host agents a node calls: those that joined and are not removed, as the controller's enrollment lists them,
/// each linked with the node's client certificate. A removed agent's link is closed and its serial refused.
/// </summary>
public sealed class AgentDirectory : IDisposable
{
    private readonly object _gate = new();
    private ImmutableDictionary<string, AgentLink> _links = ImmutableDictionary<string, AgentLink>.Empty.WithComparers(StringComparer.Ordinal);
    private ImmutableHashSet<string> _revoked = ImmutableHashSet<string>.Empty;
    private HostTrust? _trust;

    public IReadOnlyCollection<AgentLink> Links => _links.Values.ToList();

    public AgentLink? this[string name] => _links.GetValueOrDefault(name);

    /// <summary>
    /// Takes the enrollment as it is now: links to new agents (or ones that moved, or when the node's certificate
    /// was renewed) are made, links to removed ones closed.
    /// </summary>
    public void Update(IReadOnlyCollection<(string Name, Uri Endpoint)> agents, IReadOnlySet<string> revokedSerials, X509Certificate2 clientCertificate, X509Certificate2 authority)
    {
        List<AgentLink> closed;
        lock (_gate)
        {
            _revoked = [.. revokedSerials];
            var pinned = _trust is not null && _trust.Authority.RawData.AsSpan().SequenceEqual(authority.RawData);
            if (!pinned) _trust = new HostTrust(authority, serial => _revoked.Contains(serial));
            var links = _links.ToBuilder();
            closed = [];
            foreach (var (name, link) in _links)
            {
                if (pinned && link.ClientCertificate == clientCertificate && agents.Any(a => a.Name == name && a.Endpoint == link.Endpoint)) continue;
                links.Remove(name);
                closed.Add(link);
            }
            foreach (var (name, endpoint) in agents.Where(a => !links.ContainsKey(a.Name))) links[name] = new AgentLink(name, endpoint, clientCertificate, _trust!);
            _links = links.ToImmutable();
        }
        foreach (var link in closed) link.Dispose();
    }

    public void Dispose()
    {
        foreach (var link in _links.Values) link.Dispose();
    }
}
