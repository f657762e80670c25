using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Qemu;
using CloudController.Hypervisor.Tests.Qemu;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// A controller node and three cc-hostd processes with the QEMU driver (TCG), each on a loopback address of its own
/// and joined with a token: a VM provisioned and moved live to another agent (its local disk mirrored), another moved
/// live over a datastore the machines share (its disk not copied), a pool of real
/// forked children spread over the agents, an agent killed
/// with SIGKILL while the pool grows and started again, re-attaching the guests it left running.
/// </summary>
[Collection("qemu")]
public sealed class QemuAgentsEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(3);
    private static readonly string[] Agents = ["hv-2", "hv-3", "hv-4"];
    private readonly string _dir = Directory.CreateTempSubdirectory("cc-qa-").FullName;
    private readonly Dictionary<string, (NodeProcess Process, string[] Args)> _agents = [];

    public Task InitializeAsync() => Task.CompletedTask;

    private string StateDir(string agent) => Path.Combine(_dir, agent);

    /// <summary>The agent's QEMU paths: its root under its state directory, its sockets in a runtime directory of its own.</summary>
    private QemuPaths Paths(string agent) => new(Path.Combine(StateDir(agent), "qemu"), Path.Combine(_dir, "run", agent));

    private string Console(string agent, string vm) => File.Exists(Paths(agent).Console(agent, vm)) ? File.ReadAllText(Paths(agent).Console(agent, vm)) : "";

    private int Boots(string agent, string vm) => Console(agent, vm).Split('\n').Count(l => l.TrimEnd('\r') == "cc-guest: booted");

    /// <summary>That the VM's guest booted this many times, with its console's last lines when it did not.</summary>
    private void AssertBoots(int expected, string agent, string vm) =>
        Assert.True(Boots(agent, vm) == expected,
            $"VM {vm} on {agent} booted {Boots(agent, vm)} times, not {expected}; its console ends:\n{string.Join("\n", Console(agent, vm).Split('\n').TakeLast(40))}\nits QEMU log ends:\n{QemuLog(agent, vm)}");

    private string QemuLog(string agent, string vm) =>
        File.Exists(Paths(agent).ProcessLog(agent, vm)) ? string.Join("\n", File.ReadAllLines(Paths(agent).ProcessLog(agent, vm)).TakeLast(20)) : "(none)";

    private bool Says(string agent, string vm, string hostname) => Console(agent, vm).Contains($"\"hostname\":\"{hostname}\"");

    /// <summary>The QEMU process a VM's newest launch wrote to its pidfile.</summary>
    private int Pid(string agent, string vm) =>
        int.Parse(File.ReadAllText(Directory.GetFiles(Paths(agent).Vm(agent, vm), "*.pid").OrderBy(File.GetLastWriteTimeUtc).Last()).Trim());

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}");

    private void StartAgent(string agent, params string[] args)
    {
        _agents[agent] = (NodeProcess.StartHostAgent(agent, args), args);
    }

    [Fact]
    public async Task Three_QEMU_agents_joined_by_token_run_a_VM_and_a_forked_pool_and_one_killed_comes_back_with_its_guests_still_running()
    {
        await using var node = await RunningNode.StartAsync(output,
            "cloudcontroller.driver.kind=agents", "cloudcontroller.fleet.agent-refresh-interval=200ms", "cloudcontroller.fleet.unreachable-after=3s",
            "cloudcontroller.fleet.cpu-allocation-ratio=16", "cloudcontroller.pools.reconcile-interval=500ms");
        try
        {
            // The machines mount one shared datastore, named san-01 in each agent's configuration.
            var san = Directory.CreateDirectory(Path.Combine(_dir, "san")).FullName;
            for (var i = 0; i < Agents.Length; i++)
            {
                var agent = Agents[i];
                await TinyGuest.BuildAsync(Path.Combine(StateDir(agent), "images"), "ubuntu-24.04-server");
                var token = Path.Combine(_dir, agent + ".token");
                await File.WriteAllTextAsync(token, (await node.Hosts.CreateJoinTokenAsync(new CreateJoinTokenRequest { Name = agent })).Token);
                // Each agent on an address of its own (127.0.0.2, .3, .4), as agents on separate machines would be.
                StartAgent(agent, "--name", agent, "--listen", $"https://127.0.0.{i + 2}:{FreePort.Next()}", "--state-dir", StateDir(agent),
                    "--controller", node.Node.Endpoint.ToString(), "--join-token", token,
                    "--set", "cloudcontroller.driver.kind=qemu", "--set", "cloudcontroller.driver.qemu.accelerator=tcg",
                    "--set", $"cloudcontroller.driver.qemu.runtime-directory={Path.Combine(_dir, "run", agent)}",
                    "--set", $"cloudcontroller.driver.qemu.migration-address=127.0.0.{i + 2}", "--set", $"cloudcontroller.host-agent.datastores.san-01={san}");
            }
            Assert.Equal(Agents, (await node.WaitForHostsAsync(3)).Select(h => h.Id).Order());
            await Eventually.True(async () => (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.All(h => h.State == "Active"), "every agent's host active", Slow);

            var tiny = new Resources { CpuCores = 1, MemoryMib = 128, DiskGib = 1 };
            await node.Catalog.AddModelAsync(new AddModelRequest
            {
                Name = "tiny", Os = "ubuntu-24.04", Hardware = tiny, Minimum = tiny, DiskImage = "ubuntu-24.04-server", ServicePack = "24.04.1",
            });

            // A VM provisioned onto one of the agents' hosts; its guest prints the hostname it received on its channel.
            var request = new ProvisionRequest { Model = "tiny", Hostname = "solo" };
            request.Data.Add("hostname", "solo");
            var started = await node.Provisioning.ProvisionAsync(request);
            var last = (await node.WatchToEndAsync(started.TaskId, Slow))[^1];
            Assert.True(last.State == TaskState.Succeeded, $"{last.State}: {last.Error}");
            var victim = last.HostId;
            await Eventually.True(() => Task.FromResult(Says(victim, started.VmId, "solo")), "the VM to print its hostname", Slow);

            // Moved live to another agent's host, its local disk mirrored there over NBD: the same guest, not booted
            // there, answering its new data on the target.
            var target = Agents.First(a => a != victim);
            await MoveLiveAsync(node, started.VmId, target, "solo-moved");
            victim = target;

            // A second VM with its disk on the shared datastore moves live without copying it: the target opens the same file.
            var storagePool = new StoragePool { Id = "san", Policy = "equal" };
            storagePool.Datastores.Add(new StorageDatastore { Id = "san-01", Kind = "shared", Media = "ssd", CapacityGib = 20 });
            await node.Storage.DefinePoolAsync(storagePool);
            var onSan = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "tiny", Hostname = "shared", StoragePool = "san", Data = { ["hostname"] = "shared" } });
            var sanEnd = (await node.WatchToEndAsync(onSan.TaskId, Slow))[^1];
            Assert.True(sanEnd.State == TaskState.Succeeded, $"{sanEnd.State}: {sanEnd.Error}");
            await Eventually.True(() => Task.FromResult(Says(sanEnd.HostId, onSan.VmId, "shared")), "the VM on the datastore to print its hostname", Slow);
            var disk = Directory.GetFiles(san, $"{onSan.VmId}-disk.qcow2", SearchOption.AllDirectories).Single();
            var sanTarget = Agents.First(a => a != sanEnd.HostId);
            await MoveLiveAsync(node, onSan.VmId, sanTarget, "shared-moved");
            Assert.Equal([disk], Directory.GetFiles(san, $"{onSan.VmId}-disk.qcow2", SearchOption.AllDirectories));
            Assert.False(File.Exists(Paths(sanTarget).LocalLayerFile(sanTarget, $"{onSan.VmId}-disk")), "the disk was copied to the target's local layers");
            // Deleted, it leaves nothing on the datastore (and its capacity to the pool below).
            var sanDeleted = await node.Vms.DeleteVmAsync(new DeleteVmRequest { Id = onSan.VmId });
            Assert.Equal(TaskState.Succeeded, (await node.WatchToEndAsync(sanDeleted.TaskId, Slow))[^1].State);
            Assert.Empty(Directory.GetFiles(san, $"{onSan.VmId}-disk.qcow2", SearchOption.AllDirectories));

            // A pool of 8 forked children: each its own identity on its console, none booted.
            await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "tiny", Hardware = tiny, ChildPrivateMemoryMib = 32 });
            await node.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n:00}", IpRange = "10.0.0.0/24", Desired = 8 });
            var pool = await ReadyAsync(node, 8);
            foreach (var child in pool.Children)
            {
                await Eventually.True(() => Task.FromResult(Says(child.HostId, child.Id, child.Identity.Hostname)), $"child {child.Identity.Hostname} to print its hostname", Slow);
                AssertBoots(0, child.HostId, child.Id);
            }
            var spread = pool.Children.GroupBy(c => c.HostId).ToDictionary(g => g.Key, g => g.Count());
            output.WriteLine($"children per host: {string.Join(", ", spread.Select(s => $"{s.Key}={s.Value}"))}");
            Assert.Equal(Agents, spread.Keys.Order());

            // The agent of the VM's host killed (SIGKILL, the agent alone: its guests live on) while the pool grows.
            var pid = Pid(victim, started.VmId);
            var boots = Boots(victim, started.VmId);
            await node.Pools.ScalePoolAsync(new ScalePoolRequest { Name = "web", Desired = 12 });
            _agents[victim].Process.Kill(alone: true);
            pool = await ReadyAsync(node, 12, without: victim);
            Assert.True(Alive(pid), "the VM's QEMU process died with its agent");
            var hosts = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts;
            Assert.Equal("Offline", hosts.Single(h => h.Id == victim).State);
            Assert.All(hosts, h => Assert.True(h.ReservationCount == 0, $"{h.Id} holds {h.ReservationCount} reservations"));

            // Started again: it finds its guests running, the VM's the same QEMU process, not booted again.
            var (_, args) = _agents[victim];
            StartAgent(victim, [.. args.Where((_, i) => i < 6 || i >= 10)]);
            await Eventually.True(async () => (await node.Hosts.GetHostAsync(new GetHostRequest { Id = victim })).State == "Active", "the agent's host active again", Slow);
            // Driving it attaches to the running QEMU process; a generation above any provisioning gave the VM.
            await node.Node.Driver.SetGuestDataAsync(victim, started.VmId, GuestData.Of(1000, [new KeyValuePair<string, string>("hostname", "solo-again")]), CancellationToken.None);
            await Eventually.True(() => Task.FromResult(Says(victim, started.VmId, "solo-again")), "the re-attached VM to print its new hostname", Slow);
            Assert.Equal(pid, Pid(victim, started.VmId));
            AssertBoots(boots, victim, started.VmId);

            // The host reconciled: nothing on it that no record knows, no record whose VM is gone, the pool whole.
            var back = await Eventually.Get(async () =>
            {
                var host = await node.Hosts.GetHostAsync(new GetHostRequest { Id = victim });
                var web = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web" });
                return host.UnknownVms.Count == 0 && host.LostVms.Count == 0 && web.Lost == 0 && web.Removing == 0 && web.Ready == 12 ? host : null;
            }, "the host reconciled with no unknown or lost VM and the pool whole", Slow);
            Assert.Equal("Running", (await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId })).State);
            Assert.All((await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts, h => Assert.Equal(0, h.ReservationCount));
            Assert.Equal(VmPowerState.Running, (await node.Node.Driver.GetVmAsync(victim, started.VmId, CancellationToken.None))?.PowerState);
            output.WriteLine($"{back.Id}: {back.VmCount} VMs after reconciling");
        }
        finally
        {
            foreach (var (name, (process, _)) in _agents)
                if (!process.HasExited) output.WriteLine($"--- {name} ---\n{string.Join("\n", process.Output.Split('\n').TakeLast(30))}");
        }
    }

    /// <summary>
    /// Moves a running VM live to another agent's host: the task succeeds, the record names the target, and the same
    /// guest, never booted there, prints the new hostname it is given on the target.
    /// </summary>
    private async Task MoveLiveAsync(RunningNode node, string vmId, string target, string hostname)
    {
        var moved = await node.Vms.MigrateVmAsync(new MigrateVmRequest { Id = vmId, TargetHostId = target });
        var end = (await node.WatchToEndAsync(moved.TaskId, Slow))[^1];
        Assert.True(end.State == TaskState.Succeeded, $"{end.State}: {end.Error}");
        Assert.Equal(target, (await node.Vms.GetVmAsync(new GetVmRequest { Id = vmId })).HostId);
        await node.Vms.SetVmConfigAsync(new SetVmConfigRequest { Id = vmId, Set = { ["hostname"] = hostname } });
        await Eventually.True(() => Task.FromResult(Says(target, vmId, hostname)), $"the moved VM {vmId} to print its new hostname", Slow);
        AssertBoots(0, target, vmId);
    }

    /// <summary>The pool with this many ready children, none of them on the host <paramref name="without"/>.</summary>
    private static async Task<Pool> ReadyAsync(RunningNode node, int ready, string? without = null)
    {
        Pool? last = null;
        try
        {
            return await Eventually.Get(async () =>
            {
                last = await node.Pools.GetPoolAsync(new GetPoolRequest { Name = "web", WithChildren = true });
                return last.Ready == ready && last.Pending == 0 && last.Removing == 0 && !last.Children.Any(c => c.HostId == without && c.State == "Ready") ? last : null;
            }, $"{ready} ready children", Slow);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {last}", e);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var (process, _) in _agents.Values) process.Dispose();
        // Guests a killed agent left behind are no longer its children: end every QEMU process by its pidfile.
        foreach (var pidFile in Directory.GetFiles(_dir, "*.pid", SearchOption.AllDirectories))
            if (int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) && Alive(pid))
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (InvalidOperationException) { }
        await Task.Delay(500);
        Directory.Delete(_dir, recursive: true);
    }
}
