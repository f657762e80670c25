using CloudController.Domain.Access;

namespace CloudController.Domain.Tests.Access;

public class AccessRegistryTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    private static AccessRegistry With(params (string Name, Role Role)[] users) =>
        users.Aggregate(AccessRegistry.Empty, (r, u) => r.Apply(r.Add(u.Name, u.Role, false, AccessToken.Hash($"token-{u.Name}"), Now).Event!));

    [Fact]
    public void A_token_finds_its_user_by_hash_and_only_the_hash_is_kept()
    {
        var token = AccessToken.New();
        var registry = AccessRegistry.Empty.Apply(AccessRegistry.Empty.Add("alice", Role.Provisioner, false, AccessToken.Hash(token), Now).Event!);

        Assert.Equal("alice", registry.Authenticate(AccessToken.Hash(token))?.Name);
        Assert.Null(registry.Authenticate(AccessToken.Hash(token + "x")));
        Assert.DoesNotContain(token, System.Text.Json.JsonSerializer.Serialize(registry));
        Assert.StartsWith("cct_", token);
        Assert.NotEqual(token, AccessToken.New());
    }

    [Fact]
    public void A_replaced_token_stops_working_and_the_new_one_works()
    {
        var registry = With(("alice", Role.Viewer));
        registry = registry.Apply(registry.ReplaceToken("alice", AccessToken.Hash("new"), Now).Event!);

        Assert.Null(registry.Authenticate(AccessToken.Hash("token-alice")));
        Assert.Equal("alice", registry.Authenticate(AccessToken.Hash("new"))?.Name);
        Assert.Contains("ccm users list", registry.ReplaceToken("bob", "x", Now).Refusal);
    }

    [Fact]
    public void A_removed_users_token_stops_working_but_the_last_administrator_stays()
    {
        var registry = With(("root", Role.Administrator), ("alice", Role.Viewer));
        registry = registry.Apply(registry.Remove("alice").Event!);

        Assert.Null(registry.Authenticate(AccessToken.Hash("token-alice")));
        Assert.Contains("last administrator", registry.Remove("root").Refusal);
        Assert.Same(Decision.AlreadyDone, registry.Remove("nobody"));
    }

    [Fact]
    public void Bootstrapping_makes_the_first_administrator_and_never_a_second()
    {
        var first = AccessRegistry.Empty.EnsureAdministrator("admin", "h1", Now);
        Assert.Equal(Role.Administrator, ((UserAdded)first.Event!).User.Role);

        Assert.Same(Decision.AlreadyDone, With(("root", Role.Administrator)).EnsureAdministrator("admin", "h1", Now));
        Assert.False(With(("val", Role.Viewer)).EnsureAdministrator("admin", "h1", Now).IsRefused);
    }

    [Theory]
    [InlineData("", "is required")]
    [InlineData("Alice", "upper-case")]
    [InlineData("a b", "' '")]
    [InlineData("-x", "starts or ends")]
    public void A_bad_name_is_refused_naming_the_field_and_the_fix(string name, string problem)
    {
        var error = AccessRegistry.NameProblem(name);

        Assert.NotNull(error);
        Assert.Equal("name", error.Field);
        Assert.Contains(problem, error.Problem);
        Assert.NotEmpty(error.Fix);
        Assert.True(AccessRegistry.Empty.Add(name, Role.Viewer, false, "h", Now).IsRefused);
    }

    [Fact]
    public void A_name_is_taken_once_and_an_unknown_role_is_refused()
    {
        var registry = With(("alice", Role.Viewer));

        Assert.Contains("ccm users rotate alice", registry.Add("alice", Role.Viewer, false, "h", Now).Refusal);
        Assert.Contains("role", AccessRegistry.Empty.Add("bob", (Role)7, false, "h", Now).Refusal);
    }
}
