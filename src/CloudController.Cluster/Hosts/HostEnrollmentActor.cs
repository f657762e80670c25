using Akka.Actor;
using Akka.Persistence;
using CloudController.Domain;
using CloudController.Domain.Fleet;
using CloudController.Hypervisor.Agents;
using static CloudController.Cluster.Hosts.HostEnrollmentProtocol;

namespace CloudController.Cluster.Hosts;

/// <summary>
/// The fleet's host agents, journaled: join tokens as hashes, joined agents and revoked serials. A joining agent is
/// certified by the host CA of the controller's secrets once the domain accepts its token and name.
/// </summary>
public sealed class HostEnrollmentActor : DecidingActor
{
    /// <summary>An agent's certificate is not renewed (not built); removing its host revokes it.</summary>
    public static readonly TimeSpan AgentCertificateLife = TimeSpan.FromDays(3650);

    private readonly string _name;
    private HostEnrollment _enrollment = HostEnrollment.Empty;

    public HostEnrollmentActor(string name, HostAuthority authority)
    {
        _name = name;
        Recover<IDomainEvent>(Apply);

        Command<IssueJoinToken>(i => Decide(_enrollment.IssueToken(i.TokenHash, i.Name, i.Validity, DateTimeOffset.UtcNow),
            () => new JoinTokenRecorded(i.Name, _enrollment.Tokens[i.TokenHash].ExpiresAt)));
        Command<JoinAgent>(j => Join(authority, j));
        Command<RemoveAgent>(r =>
        {
            var agent = _enrollment.Agents.GetValueOrDefault(r.Name);
            Decide(_enrollment.Remove(r.Name, DateTimeOffset.UtcNow), () => new EnrollmentApplied(agent!));
        });
        Command<ListAgents>(_ => Sender.Tell(new AgentList([.. _enrollment.Agents.Values.OrderBy(a => a.Name, StringComparer.Ordinal)], _enrollment.RevokedSerials)));
    }

    public override string PersistenceId => $"host-enrollment-{_name}";

    public static Props Props(string name, HostAuthority authority) => Akka.Actor.Props.Create(() => new HostEnrollmentActor(name, authority));

    private void Join(HostAuthority authority, JoinAgent join)
    {
        var now = DateTimeOffset.UtcNow;
        if (_enrollment.JoinProblem(join.TokenHash, join.Name, join.Endpoint, now) is { } problem)
        {
            Sender.Tell(new EnrollmentRefused(problem.ToString()));
            return;
        }
        System.Security.Cryptography.X509Certificates.X509Certificate2 certificate;
        try
        {
            certificate = authority.Issue(join.CertificateRequest, join.Name, HostCertificateRole.Agent, AgentCertificateLife);
        }
        catch (ArgumentException e)
        {
            Sender.Tell(new EnrollmentRefused(e.Message));
            return;
        }
        // Answered only once the join is journaled: a crash before leaves the token unspent and nothing registered.
        Decide(_enrollment.Join(join.TokenHash, join.Name, join.Endpoint, HostTrust.SerialOf(certificate), now),
            () => new Certified(certificate.RawData, authority.Certificate.RawData));
    }

    protected override void Apply(IDomainEvent e) => _enrollment = _enrollment.Apply(e);

    protected override object Refusal(string reason) => new EnrollmentRefused(reason);
}
