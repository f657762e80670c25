using CloudController.Api.V1;
using CloudController.Cli;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Access control on: every call carries a user's token and needs that user's role.</summary>
public class AccessEndToEndTests(ITestOutputHelper output)
{
    private static async Task<RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);

    /// <summary>Within the two seconds a node remembers a token's check, and some slack, the caller is no longer accepted.</summary>
    private static Task RefusedSoonAsync(ApiCaller caller, string what) => Eventually.True(async () =>
    {
        try
        {
            await caller.Hosts.ListHostsAsync(new ListHostsRequest());
            return false;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            return true;
        }
    }, what, TimeSpan.FromSeconds(10));

    private static readonly AddModelRequest Ubuntu = new()
    {
        Name = "ubuntu", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server", Apps = { "nginx" },
        Hardware = new Resources { CpuCores = 1, MemoryMib = 2048, DiskGib = 20 }, Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
    };

    [Fact]
    public async Task Each_call_needs_a_known_token_and_the_role_it_names_and_a_refused_call_changes_nothing()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.access.enabled=on");
        var adminToken = await ApiCaller.AdminTokenAsync(node);
        using var nobody = new ApiCaller(node, null);
        using var stranger = new ApiCaller(node, "cct_not-a-token");
        using var admin = new ApiCaller(node, adminToken);

        var anonymous = await Refused(() => nobody.Hosts.ListHostsAsync(new ListHostsRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        Assert.Contains("CCM_TOKEN", anonymous.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, (await Refused(() => stranger.Hosts.ListHostsAsync(new ListHostsRequest()).ResponseAsync)).StatusCode);

        // The administrator adds a viewer and a provisioner.
        var viewerToken = await ApiCaller.AddUserAsync(admin, "val", Role.Viewer);
        var provisionerToken = (await admin.Access.AddUserAsync(new AddUserRequest { Name = "pat", Role = Role.Provisioner, ServiceAccount = true })).Token;
        await admin.Catalog.AddModelAsync(Ubuntu);
        using var viewer = new ApiCaller(node, viewerToken);
        using var provisioner = new ApiCaller(node, provisionerToken);

        await Eventually.True(async () => (await viewer.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count == 2, "a viewer to see both hosts");
        var denied = await Refused(() => viewer.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("Provisioning/Provision needs the provisioner role; val is viewer", denied.Status.Detail);
        Assert.Empty((await viewer.Vms.ListVmsAsync(new ListVmsRequest())).Vms);

        var started = await provisioner.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "web-01" });
        Assert.NotEmpty(started.TaskId);
        var notAdmin = await Refused(() => provisioner.Access.AddUserAsync(new AddUserRequest { Name = "eve", Role = Role.Administrator }).ResponseAsync);
        Assert.Contains("needs the administrator role; pat is provisioner", notAdmin.Status.Detail);
        Assert.Equal("pat", (await provisioner.Access.WhoAmIAsync(new WhoAmIRequest())).Name);

        // A bad request is answered with the field, and adds no one.
        var bad = await Refused(() => admin.Access.AddUserAsync(new AddUserRequest { Name = "Bad Name" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, bad.StatusCode);
        Assert.Equal(["admin", "pat", "val"], (await admin.Access.ListUsersAsync(new ListUsersRequest())).Users.Select(u => u.Name));

        // A removed user's token and a replaced token stop working (within the two seconds a check is remembered).
        await admin.Access.RemoveUserAsync(new RemoveUserRequest { Name = "val" });
        var rotated = await admin.Access.RotateTokenAsync(new RotateTokenRequest { Name = "pat" });
        await RefusedSoonAsync(viewer, "the removed user refused");
        await RefusedSoonAsync(provisioner, "the replaced token refused");
        using var rotatedCaller = new ApiCaller(node, rotated.Token);
        Assert.Equal("pat", (await rotatedCaller.Access.WhoAmIAsync(new WhoAmIRequest())).Name);
        Assert.Contains("last administrator", (await Refused(() => admin.Access.RemoveUserAsync(new RemoveUserRequest { Name = "admin" }).ResponseAsync)).Status.Detail);

        // ccm reads its token from the environment; the token itself is never on its command line.
        var console = new TestConsole().Width(200);
        var errors = new StringWriter();
        var exit = await new CcmApp(console, errors, environment: name => name == "CCM_TOKEN" ? rotated.Token : null)
            .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), "users", "whoami"], CancellationToken.None);
        Assert.Equal(0, exit);
        Assert.Contains("service account", console.Output);

        // No token is kept in clear.
        await node.StopNodeAsync();
        SqliteConnection.ClearAllPools();
        var stored = string.Concat(Directory.GetFiles(node.DataDir, "*.db*").Select(f => System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        Assert.DoesNotContain(rotated.Token, stored);
        Assert.DoesNotContain(viewerToken, stored);
        Assert.DoesNotContain(adminToken, stored);
    }

    [Fact]
    public async Task Provisioners_and_vm_users_see_and_manage_only_what_they_own_and_administrators_everything()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2", "cloudcontroller.access.enabled=on");
        using var admin = new ApiCaller(node, await ApiCaller.AdminTokenAsync(node));
        using var alice = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "alice", Role.Provisioner));
        using var bob = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "bob", Role.Provisioner));
        using var carol = new ApiCaller(node, await ApiCaller.AddUserAsync(admin, "carol", Role.Viewer));
        await admin.Catalog.AddModelAsync(Ubuntu);
        await admin.Storage.DefinePoolAsync(new StoragePool
        {
            Id = "apps", Policy = "equal", Datastores = { new StorageDatastore { Id = "san-01", Kind = "shared", Media = "ssd", CapacityGib = 200 } },
        });
        await Eventually.True(async () => (await admin.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count == 2, "both hosts");

        var hers = await alice.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "alice-01", StoragePool = "apps" });
        var his = await bob.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "bob-01", StoragePool = "apps" });
        // An administrator provisions for a VM user, who may then see (not change) it.
        var carols = await admin.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "carol-01", Owner = "carol" });
        await Eventually.True(async () => (await admin.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Count(v => v.State == "Running") == 3, "three VMs running");

        Assert.Equal([("alice-01", "alice")], (await alice.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Select(v => (v.Hostname, v.Owner)));
        Assert.Equal(["bob-01"], (await bob.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Select(v => v.Hostname));
        Assert.Equal(["carol-01"], (await carol.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Select(v => v.Hostname));
        Assert.Equal(["alice", "bob", "carol"], (await admin.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Select(v => v.Owner).Order());

        // Storage allocations likewise: each sees its own VMs' shares, an administrator all.
        Assert.Equal([hers.VmId], (await alice.Storage.ListAllocationsAsync(new ListAllocationsRequest())).Allocations.Select(a => a.VmId));
        Assert.Equal([his.VmId], (await bob.Storage.ListAllocationsAsync(new ListAllocationsRequest())).Allocations.Select(a => a.VmId));
        Assert.All((await bob.Storage.ListChangesAsync(new ListAllocationChangesRequest())).Changes, c => Assert.Equal(his.VmId, c.VmId));
        Assert.Equal(2, (await admin.Storage.ListAllocationsAsync(new ListAllocationsRequest())).Allocations.Count);

        // Another's VM and its task are not bob's to see or touch; nothing changes.
        var notHis = await Refused(() => bob.Vms.GetVmAsync(new GetVmRequest { Id = hers.VmId }).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, notHis.StatusCode);
        Assert.Equal($"VM {hers.VmId} is not bob's; only its owner or an administrator may see or change it", notHis.Status.Detail);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.Vms.DeleteVmAsync(new DeleteVmRequest { Id = hers.VmId }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.Vms.SetVmConfigAsync(new SetVmConfigRequest { Id = hers.VmId, Set = { ["motd"] = "hi" } }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = hers.TaskId }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = hers.TaskId }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => carol.Vms.GetVmAsync(new GetVmRequest { Id = his.VmId }).ResponseAsync)).StatusCode);
        Assert.Equal("Running", (await alice.Vms.GetVmAsync(new GetVmRequest { Id = hers.VmId })).State);
        Assert.Equal("carol", (await carol.Vms.GetVmAsync(new GetVmRequest { Id = carols.VmId })).Owner);
        Assert.Contains("needs the provisioner role; carol is viewer",
            (await Refused(() => carol.Vms.DeleteVmAsync(new DeleteVmRequest { Id = carols.VmId }).ResponseAsync)).Status.Detail);

        // Only an administrator provisions for someone else, and only for a user that exists.
        var forOther = await Refused(() => alice.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "x-01", Owner = "carol" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, forOther.StatusCode);
        Assert.Contains("owner: alice is provisioner; only an administrator creates for another user", forOther.Status.Detail);
        Assert.Contains("there is no user 'dave'",
            (await Refused(() => admin.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "x-01", Owner = "dave" }).ResponseAsync)).Status.Detail);

        // Pools the same way.
        await alice.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" });
        await alice.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.1.0.0/24", Desired = 2 });
        // Listed once the read model has it; to its owner and administrators only.
        await Eventually.True(async () => (await admin.Pools.ListPoolsAsync(new ListPoolsRequest())).Pools.Count == 1, "the pool listed");
        Assert.Equal([("web", "alice")], (await admin.Pools.ListPoolsAsync(new ListPoolsRequest())).Pools.Select(p => (p.Name, p.Owner)));
        Assert.Equal(["web"], (await alice.Pools.ListPoolsAsync(new ListPoolsRequest())).Pools.Select(p => p.Name));
        Assert.Empty((await bob.Pools.ListPoolsAsync(new ListPoolsRequest())).Pools);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.Pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 0 }).ResponseAsync)).StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Refused(() => bob.Pools.DeletePoolAsync(new DeletePoolRequest { Name = "web" }).ResponseAsync)).StatusCode);
        Assert.Equal(2, (await alice.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" })).Desired);
        Assert.Equal(3, (await alice.Pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 3 })).Desired);
    }
}
