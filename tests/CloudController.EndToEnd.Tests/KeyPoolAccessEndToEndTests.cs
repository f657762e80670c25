using CloudController.Api.V1;
using Google.Rpc;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Who may get a token, for which name, and who may write into the pool's failure report.</summary>
public class KeyPoolAccessEndToEndTests(ITestOutputHelper output)
{
    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    private static IEnumerable<string> Fields(RpcException e) => e.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field);

    [Fact]
    public async Task A_token_names_what_the_VMs_record_holds_and_only_an_administrator_names_a_VM_the_controller_does_not_know()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1", "cloudcontroller.access.enabled=on");
        // Provisioning is refused until the host has reported to the fleet view.
        await node.WaitForHostsAsync(1);
        using var admin = new ApiCaller(node, await ApiCaller.AdminTokenAsync(node));
        await admin.Catalog.AddModelAsync(new AddModelRequest
        {
            Name = "ubuntu", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server",
            Hardware = new Resources { CpuCores = 1, MemoryMib = 2048, DiskGib = 20 }, Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
        });
        using var alice = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "alice", Role.Provisioner));
        using var bob = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "bob", Role.Provisioner));
        var alices = (await alice.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "shop-01", Data = { ["ip"] = "10.0.0.7" } })).VmId;
        var bobs = (await bob.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "bob-01" })).VmId;

        // Bob's own VM, asked for under Alice's name and address: refused, naming both.
        var misnamed = await Refused(() => bob.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = bobs, Hostname = "shop-01", Ip = "10.0.0.7" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, misnamed.StatusCode);
        Assert.Equal(["hostname", "ip"], Fields(misnamed));
        Assert.Contains("is bob-01, not shop-01", misnamed.Status.Detail);
        Assert.Contains("has no address, not 10.0.0.7", misnamed.Status.Detail);
        // Alice's VM is not his; a VM id the controller does not know is an administrator's to name.
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = alices }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.NotFound, (await Refused(() =>
            bob.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = "vm-by-hand", Hostname = "shop-01", Ip = "10.0.0.7" }).ResponseAsync)).StatusCode);

        // Without a name the record's is taken: the token works for bob-01 only, never for Alice's name.
        var token = (await bob.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = bobs })).Token;
        var stolen = await Refused(() => node.Activation.ActivateAsync(new ActivateRequest
            { Token = token, Hostname = "shop-01", Ip = "10.0.0.7", AgentPublicKey = KeyPoolEndToEndTests.AgentKey() }).ResponseAsync);
        Assert.Contains("issued to bob-01 (), not shop-01 (10.0.0.7)", stolen.Status.Detail);
        // Alice gets hers with the record's name given back; an administrator names a hand-made VM.
        Assert.NotEmpty((await alice.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = alices, Hostname = "shop-01", Ip = "10.0.0.7" })).Token);
        Assert.NotEmpty((await admin.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = "vm-by-hand", Hostname = "hand-01" })).Token);
    }

    [Fact]
    public async Task Only_an_agent_holding_an_issued_token_may_report_a_failure()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var token = (await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = "vm-by-hand", Hostname = "hand-01" })).Token;

        var anonymous = await Refused(() => node.Activation.ReportFailureAsync(new ReportFailureRequest { Hostname = "web-01", Reason = "forged" }).ResponseAsync);
        Assert.Equal(["token"], Fields(anonymous));
        var forged = await Refused(() => node.Activation.ReportFailureAsync(new ReportFailureRequest { Hostname = "web-01", Reason = "forged", Token = "cct-made-up" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, forged.StatusCode);
        Assert.Contains("not one this controller issued", forged.Status.Detail);
        Assert.Equal(0, (await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).FailuresReported);

        await node.Activation.ReportFailureAsync(new ReportFailureRequest { Hostname = "hand-01", Reason = "signature does not verify", Token = token });
        var status = await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        Assert.Equal(1, status.FailuresReported);
        Assert.Equal("hand-01: signature does not verify", status.LastFailure);
    }
}
