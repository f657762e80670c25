using System.Collections.Immutable;
using CloudController.Domain.Access;

namespace CloudController.Cluster.Access;

/// <summary>The messages of the <see cref="AccessRegistryActor"/> entity: one registry, "default", per cluster.</summary>
public static class AccessProtocol
{
    public const string DefaultRegistry = "default";

    public interface IAccessCommand : IEntityCommand
    {
        string Registry { get; }

        string IEntityCommand.EntityId => Registry;
    }

    /// <summary>Adds a user with the hash of the token made for it; answered <see cref="AccessChanged"/> or <see cref="AccessRefused"/>.</summary>
    public sealed record AddUser(string Registry, string Name, Role Role, bool ServiceAccount, string TokenHash) : IAccessCommand;

    public sealed record RemoveUser(string Registry, string Name) : IAccessCommand;

    public sealed record ReplaceToken(string Registry, string Name, string TokenHash) : IAccessCommand;

    /// <summary>Makes sure the bootstrap administrator exists with this token, unless an administrator already does.</summary>
    public sealed record EnsureAdministrator(string Registry, string Name, string TokenHash) : IAccessCommand;

    public sealed record Authenticate(string Registry, string TokenHash) : IAccessCommand;

    /// <summary>The token's user, or null when the token is not one of ours.</summary>
    public sealed record Authenticated(ApiUser? User) : IClusterMessage;

    public sealed record ListUsers(string Registry) : IAccessCommand;

    public sealed record UserList(ImmutableArray<ApiUser> Users) : IClusterMessage;

    /// <summary>Done; the user as it is now (null once removed).</summary>
    public sealed record AccessChanged(ApiUser? User) : IClusterMessage;

    public sealed record AccessRefused(string Reason) : IClusterMessage;
}
