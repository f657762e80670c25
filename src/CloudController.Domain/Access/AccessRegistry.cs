using System.Collections.Immutable;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Access;

/// <summary>
/// Who may call the API: users and service accounts by name, each with a role and the hash of one token. Decisions
/// refuse with the field and the fix; the last administrator cannot be removed, so the API is never locked.
/// </summary>
public sealed record AccessRegistry(ImmutableDictionary<string, ApiUser> Users, ImmutableDictionary<string, string> NamesByTokenHash) : IDomainState
{
    public static readonly AccessRegistry Empty = new(
        ImmutableDictionary<string, ApiUser>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));

    public AccessRegistry Apply(IDomainEvent e) => e switch
    {
        UserAdded a => this with
        {
            Users = Users.SetItem(a.User.Name, a.User),
            NamesByTokenHash = NamesByTokenHash.SetItem(a.User.TokenHash, a.User.Name),
        },
        UserRemoved r when Users.TryGetValue(r.Name, out var user) => this with
        {
            Users = Users.Remove(r.Name),
            NamesByTokenHash = NamesByTokenHash.Remove(user.TokenHash),
        },
        TokenReplaced t when Users.TryGetValue(t.Name, out var user) => this with
        {
            Users = Users.SetItem(t.Name, user with { TokenHash = t.TokenHash, Since = t.At }),
            NamesByTokenHash = NamesByTokenHash.Remove(user.TokenHash).SetItem(t.TokenHash, t.Name),
        },
        _ => this,
    };

    /// <summary>The user a token belongs to, or null.</summary>
    public ApiUser? Authenticate(string tokenHash) =>
        NamesByTokenHash.TryGetValue(tokenHash, out var name) ? Users[name] : null;

    public Decision Add(string name, Role role, bool serviceAccount, string tokenHash, DateTimeOffset now)
    {
        if (NameProblem(name) is { } problem) return Decision.Refuse(problem.ToString());
        if (!Enum.IsDefined(role)) return Decision.Refuse(new FieldError("role", $"'{role}' is not a role", "use viewer, provisioner or administrator").ToString());
        if (Users.ContainsKey(name))
            return Decision.Refuse(new FieldError("name", $"a user named '{name}' exists", $"choose another name, or give it a new token with `ccm users rotate {name}`").ToString());
        return Decision.Persist(new UserAdded(new ApiUser(name, role, serviceAccount, tokenHash, now)));
    }

    /// <summary>Adds the first administrator, unless one exists already: bootstrapping never adds a second.</summary>
    public Decision EnsureAdministrator(string name, string tokenHash, DateTimeOffset now) =>
        Users.Values.Any(u => u.Role == Role.Administrator) ? Decision.AlreadyDone : Add(name, Role.Administrator, false, tokenHash, now);

    public Decision Remove(string name)
    {
        if (!Users.TryGetValue(name, out var user)) return Decision.AlreadyDone;
        if (user.Role == Role.Administrator && Users.Values.Count(u => u.Role == Role.Administrator) == 1)
            return Decision.Refuse(new FieldError("name", $"'{name}' is the last administrator", "add another administrator first").ToString());
        return Decision.Persist(new UserRemoved(name));
    }

    public Decision ReplaceToken(string name, string tokenHash, DateTimeOffset now) =>
        Users.ContainsKey(name)
            ? Decision.Persist(new TokenReplaced(name, tokenHash, now))
            : Decision.Refuse(new FieldError("name", $"no user named '{HostnameRules.Printable(name)}'", "list them with `ccm users list`").ToString());

    public static FieldError? NameProblem(string name) =>
        name.Length == 0 ? new FieldError("name", "is required", "name the user, e.g. 'alice' or 'autoscaler'")
        : HostnameRules.CatalogNameProblem(name) is { } problem ? new FieldError("name", $"'{HostnameRules.Printable(name)}' {problem}", "use lower-case letters, digits and '-', e.g. 'ci-bot'")
        : null;
}
