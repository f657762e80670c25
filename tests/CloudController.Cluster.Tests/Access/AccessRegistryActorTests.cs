using CloudController.Cluster.Access;
using CloudController.Domain.Access;
using Xunit.Abstractions;
using static CloudController.Cluster.Access.AccessProtocol;

namespace CloudController.Cluster.Tests.Access;

public class AccessRegistryActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    private const string Registry = DefaultRegistry;

    [Fact]
    public void Refuses_a_taken_name_and_removing_the_last_administrator_each_naming_the_field()
    {
        var registry = Sys.ActorOf(AccessRegistryActor.Props(Registry));
        registry.Tell(new EnsureAdministrator(Registry, "admin", "hash-admin"), TestActor);
        Assert.Equal(Role.Administrator, ExpectMsg<AccessChanged>().User!.Role);

        registry.Tell(new AddUser(Registry, "admin", Role.Viewer, false, "hash-other"), TestActor);
        Assert.Contains("name: a user named 'admin' exists", ExpectMsg<AccessRefused>().Reason);
        registry.Tell(new RemoveUser(Registry, "admin"), TestActor);
        Assert.Contains("'admin' is the last administrator", ExpectMsg<AccessRefused>().Reason);
        registry.Tell(new ReplaceToken(Registry, "nobody", "hash-x"), TestActor);
        Assert.Contains("no user named 'nobody'", ExpectMsg<AccessRefused>().Reason);
    }

    [Fact]
    public void Recovers_its_users_and_their_tokens_from_the_journal_and_a_rotated_token_replaces_the_old_one()
    {
        var registry = Sys.ActorOf(AccessRegistryActor.Props(Registry));
        registry.Tell(new EnsureAdministrator(Registry, "admin", "hash-admin"), TestActor);
        ExpectMsg<AccessChanged>();
        registry.Tell(new AddUser(Registry, "ci", Role.Provisioner, true, "hash-ci-1"), TestActor);
        ExpectMsg<AccessChanged>();

        var restarted = Restart().ActorOf(AccessRegistryActor.Props(Registry));
        restarted.Tell(new Authenticate(Registry, "hash-ci-1"), TestActor);
        var ci = ExpectMsg<Authenticated>().User!;
        Assert.Equal(("ci", Role.Provisioner, true), (ci.Name, ci.Role, ci.ServiceAccount));
        restarted.Tell(new ReplaceToken(Registry, "ci", "hash-ci-2"), TestActor);
        ExpectMsg<AccessChanged>();

        var again = Restart().ActorOf(AccessRegistryActor.Props(Registry));
        again.Tell(new Authenticate(Registry, "hash-ci-1"), TestActor);
        Assert.Null(ExpectMsg<Authenticated>().User);
        again.Tell(new Authenticate(Registry, "hash-ci-2"), TestActor);
        Assert.Equal("ci", ExpectMsg<Authenticated>().User!.Name);
        again.Tell(new ListUsers(Registry), TestActor);
        Assert.Equal(["admin", "ci"], ExpectMsg<UserList>().Users.Select(u => u.Name));
    }
}
