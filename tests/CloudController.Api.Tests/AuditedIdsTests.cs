using CloudController.Api.Audit;
using CloudController.Api.V1;

namespace CloudController.Api.Tests;

/// <summary>What of a real request the audit trail keeps: the ids and names it named, a map's keys, never a secret value.</summary>
public class AuditedIdsTests
{
    [Fact]
    public void A_provisioning_request_keeps_its_names_and_the_keys_of_its_data_and_answers_only()
    {
        var request = new ProvisionRequest
        {
            Model = "ubuntu", Hostname = "db-01", StoragePool = "apps", Group = "db-tier",
            Data = { ["secret.db-password"] = "hunter2", ["motd"] = "hello" },
            Answers = { ["postgres.user"] = "pg-admin-secret" },
            Overrides = new HardwareOverrides { MemoryMib = 8192 },
        };
        var ids = AuditedIds.Of(request);
        Assert.Equal(["model=ubuntu", "hostname=db-01", "answers[postgres.user]", "group=db-tier", "data[motd,secret.db-password]", "storage_pool=apps"], ids);
        Assert.DoesNotContain(ids, i => i.Contains("hunter2") || i.Contains("pg-admin-secret") || i.Contains("hello") || i.Contains("8192"));
    }

    [Fact]
    public void A_user_added_is_named_and_a_request_without_ids_names_nothing()
    {
        Assert.Equal(["name=ci-bot"], AuditedIds.Of(new AddUserRequest { Name = "ci-bot", Role = Role.Provisioner }));
        Assert.Empty(AuditedIds.Of(new RebalanceRequest()));
    }
}
