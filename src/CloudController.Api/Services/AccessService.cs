using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.V1;
using CloudController.Domain.Access;
using Grpc.Core;
using static CloudController.Cluster.Access.AccessProtocol;

namespace CloudController.Api.Services;

public sealed class AccessService(ControllerActors actors) : V1.Access.AccessBase
{
    public override Task<User> WhoAmI(WhoAmIRequest request, ServerCallContext context) =>
        AccessCheck.Caller(context) is { } caller
            ? Task.FromResult(ToUser(caller))
            : throw RpcErrors.FailedPrecondition("access control is off on this controller (cloudcontroller.access.enabled): calls carry no user");

    public override async Task<ListUsersResponse> ListUsers(ListUsersRequest request, ServerCallContext context) =>
        await actors.Ask(actors.Access, new ListUsers(DefaultRegistry), context.CancellationToken) switch
        {
            UserList list => new ListUsersResponse { Users = { list.Users.Select(ToUser) } },
            var other => throw RpcErrors.Unexpected(other),
        };

    public override async Task<UserToken> AddUser(AddUserRequest request, ServerCallContext context)
    {
        var errors = new List<Domain.Validation.FieldError>();
        if (AccessRegistry.NameProblem(request.Name ?? "") is { } problem) errors.Add(problem);
        if (request.Role is V1.Role.Unspecified || !Enum.IsDefined(request.Role))
            errors.Add(new("role", "is required", "give viewer, provisioner or administrator"));
        RequestGuard.ThrowIfAny(errors);
        var token = AccessToken.New();
        var user = await ChangeAsync(new AddUser(DefaultRegistry, request.Name!, (Domain.Access.Role)(int)request.Role, request.ServiceAccount, AccessToken.Hash(token)), context);
        return new UserToken { User = ToUser(user!), Token = token };
    }

    public override async Task<RemoveUserResponse> RemoveUser(RemoveUserRequest request, ServerCallContext context)
    {
        await ChangeAsync(new RemoveUser(DefaultRegistry, RequestGuard.Id(request.Name, "name", "list users with `ccm users list`")), context);
        return new RemoveUserResponse();
    }

    public override async Task<UserToken> RotateToken(RotateTokenRequest request, ServerCallContext context)
    {
        var name = RequestGuard.Id(request.Name, "name", "list users with `ccm users list`");
        var token = AccessToken.New();
        var user = await ChangeAsync(new ReplaceToken(DefaultRegistry, name, AccessToken.Hash(token)), context);
        return new UserToken { User = ToUser(user!), Token = token };
    }

    /// <summary>The user as the change left it.</summary>
    private async Task<ApiUser?> ChangeAsync(IAccessCommand command, ServerCallContext context) =>
        await actors.Ask(actors.Access, command, context.CancellationToken) switch
        {
            AccessChanged changed => changed.User,
            AccessRefused refused => throw RpcErrors.FailedPrecondition(refused.Reason),
            var other => throw RpcErrors.Unexpected(other),
        };

    private static User ToUser(ApiUser user) => new()
    {
        Name = user.Name, Role = (V1.Role)(int)user.Role, ServiceAccount = user.ServiceAccount, Since = user.Since.ToString("O"),
    };
}
