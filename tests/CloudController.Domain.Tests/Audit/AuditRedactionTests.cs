using CloudController.Domain.Audit;

namespace CloudController.Domain.Tests.Audit;

public class AuditRedactionTests
{
    [Fact]
    public void Ids_and_names_are_kept_as_field_and_value()
    {
        Assert.Equal("vm_id=vm-1a2b", AuditRedaction.Named("vm_id", "vm-1a2b"));
        Assert.Equal("hostname=web-01", AuditRedaction.Named("hostname", "web-01"));
        Assert.Equal("network.name=front", AuditRedaction.Named("network.name", "front"));
        Assert.Equal("owner=alice", AuditRedaction.Named("owner", "alice"));
        Assert.Null(AuditRedaction.Named("vm_id", ""));
    }

    [Fact]
    public void Other_fields_and_any_field_that_may_hold_a_secret_are_never_kept()
    {
        Assert.Null(AuditRedaction.Named("memory_mib", "2048"));
        Assert.Null(AuditRedaction.Named("reason", "because"));
        Assert.Null(AuditRedaction.Named("token", "cct_secret"));
        Assert.Null(AuditRedaction.Named("activation_token_id", "abc"));
        Assert.Null(AuditRedaction.Named("admin_password_name", "hunter2"));
        Assert.Null(AuditRedaction.Named("data", "s3cret"));
    }

    [Fact]
    public void A_map_keeps_its_keys_only()
    {
        var kept = AuditRedaction.Keys("data", new Dictionary<string, string> { ["db-password"] = "s3cret", ["motd"] = "hi" }.Keys);
        Assert.Equal("data[db-password,motd]", kept);
        Assert.DoesNotContain("s3cret", kept);
        Assert.Null(AuditRedaction.Keys("data", []));
    }

    [Fact]
    public void Values_are_printable_and_short_and_a_long_list_is_counted()
    {
        Assert.Equal("name=a\\u000ab", AuditRedaction.Named("name", "a\nb"));
        Assert.True(AuditRedaction.Named("name", new string('x', 1000))!.Length < 140);
        var many = Enumerable.Range(1, 25).Select(i => $"hostnames=web-{i}").ToList();
        var bounded = AuditRedaction.Bounded(many);
        Assert.Equal(AuditRedaction.MaxIds + 1, bounded.Count);
        Assert.Equal("(and 5 more)", bounded[^1]);
    }
}
