using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Event;
using CloudController.Cluster.Fleet;
using CloudController.Hypervisor.Agents;
using static CloudController.Cluster.Hosts.HostEnrollmentProtocol;

namespace CloudController.Cluster.Hosts;

/// <summary>
/// Keeps a node's <see cref="AgentDirectory"/> as the enrollment has it: the joined agents to call and the revoked
/// serials to refuse, with a client certificate the node issues itself from the host CA, kept only in memory and
/// renewed at half its life. A newly joined agent's hosts are discovered as soon as it answers.
/// </summary>
public sealed class AgentDirectoryRefresh : ReceiveActor, IWithTimers
{
    /// <summary>A node's client certificate; it makes a new one at half this.</summary>
    public static readonly TimeSpan NodeCertificateLife = TimeSpan.FromDays(1);

    private sealed record Refresh
    {
        public static readonly Refresh Instance = new();
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private X509Certificate2? _certificate;
    private HashSet<string> _known = [];

    public AgentDirectoryRefresh(AgentDirectory directory, HostAuthority authority, IActorRef enrollment, IActorRef fleetRegistration, TimeSpan interval, TimeSpan askTimeout)
    {
        _interval = interval;
        Receive<Refresh>(_ => enrollment.Ask<object>(new ListAgents(DefaultEnrollment), askTimeout).PipeTo(Self));
        Receive<AgentList>(list =>
        {
            directory.Update([.. list.Agents.Select(a => (a.Name, new Uri(a.Endpoint)))], list.RevokedSerials, CertificateOf(authority), authority.Certificate);
            var names = list.Agents.Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
            // An agent joins before it listens, and may be down when a node starts: its hosts are discovered on the
            // first refresh after it answers, not a discovery interval later.
            if (directory.Links.Any(l => l.Hello is null)) fleetRegistration.Tell(FleetRegistration.Discover.Instance);
            if (!names.SetEquals(_known)) _log.Info("Host agents joined: {0}", names.Count == 0 ? "none" : string.Join(", ", names.Order()));
            _known = names;
        });
        Receive<Status.Failure>(f => _log.Warning("Reading the joined host agents failed: {0}", f.Cause.Message));
    }

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Self.Tell(Refresh.Instance);
        Timers.StartPeriodicTimer(Refresh.Instance, Refresh.Instance, _interval);
    }

    private X509Certificate2 CertificateOf(HostAuthority authority)
    {
        if (_certificate is { } current && DateTime.UtcNow < current.NotAfter.ToUniversalTime() - NodeCertificateLife / 2) return current;
        var (key, request) = HostAuthority.NewKeyAndRequest("controller node");
        using var issued = authority.Issue(request, "controller node", HostCertificateRole.Controller, NodeCertificateLife);
        _certificate = issued.CopyWithPrivateKey(key);
        return _certificate;
    }

    public static Props Props(AgentDirectory directory, HostAuthority authority, IActorRef enrollment, IActorRef fleetRegistration, TimeSpan interval, TimeSpan askTimeout) =>
        Akka.Actor.Props.Create(() => new AgentDirectoryRefresh(directory, authority, enrollment, fleetRegistration, interval, askTimeout));
}
