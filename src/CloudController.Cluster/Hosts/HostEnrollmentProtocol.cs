using System.Collections.Immutable;
using CloudController.Cluster.Serialization;
using CloudController.Domain.Fleet;

namespace CloudController.Cluster.Hosts;

/// <summary>The messages of the <see cref="HostEnrollmentActor"/> entity: one, "default", per cluster.</summary>
public static class HostEnrollmentProtocol
{
    public const string DefaultEnrollment = "default";

    public interface IEnrollmentCommand : IEntityCommand
    {
        string Enrollment { get; }

        string IEntityCommand.EntityId => Enrollment;
    }

    /// <summary>Records a join token by its hash; answered <see cref="JoinTokenRecorded"/> or <see cref="EnrollmentRefused"/>.</summary>
    public sealed record IssueJoinToken(string Enrollment, string TokenHash, string? Name, TimeSpan Validity) : IEnrollmentCommand;

    public sealed record JoinTokenRecorded(string? Name, DateTimeOffset ExpiresAt) : IClusterMessage;

    /// <summary>A host agent joins: answered <see cref="Certified"/> (its certificate) or <see cref="EnrollmentRefused"/>.</summary>
    public sealed record JoinAgent(string Enrollment, string TokenHash, string Name, string Endpoint, byte[] CertificateRequest) : IEnrollmentCommand
    {
        public override string ToString() => $"JoinAgent {Name} at {Endpoint}";
    }

    /// <summary>A certificate (DER) and the host CA's (DER) to pin.</summary>
    public sealed record Certified(byte[] Certificate, byte[] Authority) : IClusterMessage
    {
        public override string ToString() => "Certified";
    }

    /// <summary>Removes a joined agent and revokes its certificate; answered <see cref="EnrollmentApplied"/> or refused.</summary>
    public sealed record RemoveAgent(string Enrollment, string Name) : IEnrollmentCommand;

    [WireName("Cluster.Hosts.HostEnrollmentProtocol+AgentRemovedReply")]
    public sealed record EnrollmentApplied(JoinedAgent Agent) : IClusterMessage;

    public sealed record ListAgents(string Enrollment) : IEnrollmentCommand;

    /// <summary>The joined agents and the revoked serials.</summary>
    public sealed record AgentList(ImmutableArray<JoinedAgent> Agents, ImmutableHashSet<string> RevokedSerials) : IClusterMessage;

    public sealed record EnrollmentRefused(string Reason) : IClusterMessage;
}
