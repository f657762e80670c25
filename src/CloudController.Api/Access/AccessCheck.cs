using System.Collections.Concurrent;
using CloudController.Api.Services;
using CloudController.Api.V1;
using CloudController.Cluster.Access;
using CloudController.Domain.Access;
using Grpc.Core;
using Grpc.Core.Interceptors;
using static CloudController.Cluster.Access.AccessProtocol;

namespace CloudController.Api.Access;

/// <summary>
/// Checks every API call's token and role before it runs (when access control is on). A token's user is asked of
/// the registry (or read from its journal while the registry cannot answer) and remembered for two seconds: a
/// removed user or a replaced token stops working within that.
/// </summary>
public sealed class AccessCheck(ControllerActors actors) : Interceptor
{
    private const int RememberedAtMost = 10_000;
    private static readonly TimeSpan Remembered = TimeSpan.FromSeconds(2);

    /// <summary>How long a token's check waits for the registry entity before it reads the registry's journal instead.</summary>
    private static readonly TimeSpan RegistryPatience = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, (ApiUser? User, DateTime Until)> _known = new(StringComparer.Ordinal);
    private readonly Lazy<string> _administratorTokenHash = new(() => AccessToken.Hash(actors.Settings.Access.AdministratorToken()));

    private static readonly object UserKey = new();

    /// <summary>The caller as checked, or null when access control is off or the call carries its own credential.</summary>
    public static ApiUser? Caller(ServerCallContext context) => context.UserState.TryGetValue(UserKey, out var user) ? user as ApiUser : null;

    /// <summary>Whether the call's caller may see and act on everything (access control off, or an administrator).</summary>
    public static bool SeesEverything(ServerCallContext context) => Ownership.SeesEverything(Caller(context));

    /// <summary>Refuses the call unless its caller may see and act on what <paramref name="owner"/> owns.</summary>
    /// <param name="what">What it is, as the refusal names it: "VM vm-1a2b", "pool web".</param>
    public static void DemandOwnership(ServerCallContext context, string? owner, string what)
    {
        if (Ownership.Refusal(Caller(context), owner, what) is { } refusal) throw Errors.RpcErrors.PermissionDenied(refusal);
    }

    /// <summary>The owner of what the call creates (see <see cref="Ownership.OwnerFor"/>); a bad one is refused as the owner field.</summary>
    public static async Task<string?> OwnerOfNewAsync(ControllerActors actors, ServerCallContext context, string? requested)
    {
        var caller = Caller(context);
        var users = caller is { Role: Domain.Access.Role.Administrator } && !string.IsNullOrWhiteSpace(requested)
            ? await actors.Ask(actors.Access, new ListUsers(DefaultRegistry), context.CancellationToken) switch
            {
                UserList list => list.Users.Select(u => u.Name).ToHashSet(StringComparer.Ordinal),
                var other => throw Errors.RpcErrors.Unexpected(other),
            }
            : [];
        var (owner, error) = Ownership.OwnerFor(caller, requested, users.Contains);
        return error is null ? owner : throw Errors.RpcErrors.InvalidArgument([error]);
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        await continuation(request, responseStream, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await CheckAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task CheckAsync(ServerCallContext context)
    {
        if (!actors.Settings.Access.Enabled || AccessPolicy.Required(context.Method) is not { } needed) return;
        var header = context.RequestHeaders.GetValue(ApiTokenHeader.Name);
        if (header is null || !header.StartsWith(ApiTokenHeader.Scheme, StringComparison.OrdinalIgnoreCase) || header.Length == ApiTokenHeader.Scheme.Length)
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "this call needs an API token: give ccm one with CCM_TOKEN or --token-file, or send 'authorization: Bearer <token>'"));
        var user = await UserOfAsync(AccessToken.Hash(header[ApiTokenHeader.Scheme.Length..]), context.CancellationToken)
                   ?? throw new RpcException(new Status(StatusCode.Unauthenticated,
                       "the API token is not one this controller knows: it was replaced (`ccm users rotate`) or its user removed"));
        // Known before the role is checked, so that the audit trail names who was refused.
        context.UserState[UserKey] = user;
        if (user.Role < needed)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"{context.Method.TrimStart('/').Replace("cloudcontroller.v1.", "")} needs the {AccessPolicy.Describe(needed)} role; " +
                $"{user.Name} is {AccessPolicy.Describe(user.Role)}"));
        }
    }

    /// <summary>
    /// The token's user, from the registry entity; or, while a member is unreachable or when the entity does not answer
    /// in <see cref="RegistryPatience"/>, from the registry's journal read by this node. The entity's shard may be on
    /// a member that died and is not downed yet: asked there, every call (`ccm cluster down` too) would wait and fail,
    /// and no administrator could down that member, which is what moves the shard.
    /// </summary>
    private async Task<ApiUser?> AuthenticateAsync(string tokenHash, CancellationToken ct)
    {
        if (!AnyMemberUnreachable())
        {
            try
            {
                return await Akka.Actor.Futures.Ask<object>(actors.Access, new Authenticate(DefaultRegistry, tokenHash), Shorter(RegistryPatience, actors.AskTimeout), ct) switch
                {
                    Authenticated a => a.User,
                    var other => throw Errors.RpcErrors.Unexpected(other),
                };
            }
            catch (Akka.Actor.AskTimeoutException)
            {
                // Its member may have died a moment ago, not yet seen unreachable: the journal answers the same.
            }
        }
        try
        {
            return (await AccessRegistryJournal.ReadAsync(actors.System, DefaultRegistry, actors.AskTimeout, ct)).Authenticate(tokenHash);
        }
        catch (TimeoutException)
        {
            throw Errors.RpcErrors.Unavailable("neither the user registry nor its journal answered in time; retry, or check the node's log and its database");
        }
    }

    private bool AnyMemberUnreachable() =>
        actors.System is Akka.Actor.ExtendedActorSystem { Provider: Akka.Cluster.IClusterActorRefProvider } &&
        Akka.Cluster.Cluster.Get(actors.System).State.Unreachable.Count > 0;

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private async Task<ApiUser?> UserOfAsync(string tokenHash, CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        if (_known.TryGetValue(tokenHash, out var known) && known.Until > now) return known.User;
        var user = await AuthenticateAsync(tokenHash, ct);
        if (user is null && tokenHash == _administratorTokenHash.Value)
        {
            // The first administrator is made by the first call with its token, on whichever node takes it.
            await actors.Ask(actors.Access, new EnsureAdministrator(DefaultRegistry, AccessSettings.AdministratorName, tokenHash), ct);
            user = await AuthenticateAsync(tokenHash, ct);
        }
        // Random tokens sent in bulk must not grow this without bound.
        if (_known.Count >= RememberedAtMost) _known.Clear();
        _known[tokenHash] = (user, now + Remembered);
        return user;
    }
}
