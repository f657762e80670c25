using CloudController.Domain.Access;

namespace CloudController.Domain.Tests.Access;

public class OwnershipTests
{
    private static ApiUser User(string name, Role role) => new(name, role, false, "hash-" + name, DateTimeOffset.UnixEpoch);

    private static readonly ApiUser Alice = User("alice", Role.Provisioner);
    private static readonly ApiUser Carol = User("carol", Role.Viewer);
    private static readonly ApiUser Admin = User("admin", Role.Administrator);

    [Fact]
    public void An_owner_and_administrators_may_act_and_no_one_else()
    {
        Assert.True(Ownership.Permits(Alice, "alice"));
        Assert.True(Ownership.Permits(Admin, "alice"));
        Assert.True(Ownership.Permits(Carol, "carol"));
        Assert.False(Ownership.Permits(Alice, "carol"));
        Assert.False(Ownership.Permits(Carol, "alice"));
        // Made while access control was off: no owner, so only administrators.
        Assert.False(Ownership.Permits(Alice, null));
        // Access control off: no caller, nothing withheld.
        Assert.True(Ownership.Permits(null, "alice"));
        Assert.Null(Ownership.Refusal(Admin, "alice", "VM vm-1"));
        Assert.Equal("VM vm-1 is not alice's; only its owner or an administrator may see or change it", Ownership.Refusal(Alice, "carol", "VM vm-1"));
    }

    [Fact]
    public void What_a_caller_creates_is_its_own_unless_an_administrator_names_an_existing_user()
    {
        Func<string, bool> users = n => n is "alice" or "carol" or "admin";
        Assert.Equal(("alice", null), Ownership.OwnerFor(Alice, "", users));
        Assert.Equal(("alice", null), Ownership.OwnerFor(Alice, " alice ", users));
        Assert.Equal(("carol", null), Ownership.OwnerFor(Admin, "carol", users));
        Assert.Equal((null, null), Ownership.OwnerFor(null, null, users));
        Assert.Equal(("team-a", null), Ownership.OwnerFor(null, "team-a", users));

        var notAdmin = Ownership.OwnerFor(Alice, "carol", users).Error!;
        Assert.Equal("owner", notAdmin.Field);
        Assert.Contains("alice is provisioner; only an administrator creates for another user", notAdmin.Problem);
        Assert.Equal("leave owner empty to own it yourself", notAdmin.Fix);

        var unknown = Ownership.OwnerFor(Admin, "dave", users).Error!;
        Assert.Equal("there is no user 'dave'", unknown.Problem);
        Assert.Contains("ccm users add dave --role viewer", unknown.Fix);

        var badName = Ownership.OwnerFor(Admin, "Not A Name", users).Error!;
        Assert.Equal("owner", badName.Field);
    }
}
