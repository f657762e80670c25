using CloudController.Hypervisor;
using CloudController.Hypervisor.Agents.V1;
using CloudController.Hypervisor.Qemu;

namespace CloudController.HostAgent;

/// <summary>The machine under the agent, measured each time it is asked: cores, memory, load, CPU flags, datastores.</summary>
public sealed class MachineStatus(string agentName, IHypervisorDriver driver, IReadOnlyDictionary<string, string> datastores, string procRoot = "/proc")
{
    public async Task<AgentStatus> MeasureAsync(CancellationToken ct)
    {
        var meminfo = await File.ReadAllTextAsync(Path.Combine(procRoot, "meminfo"), ct);
        var status = new AgentStatus
        {
            AgentName = agentName,
            ObservedAtUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            CpuCores = Environment.ProcessorCount,
            MemoryTotalMib = MachineReadings.TotalMemoryMib(meminfo),
            MemoryAvailableMib = MachineReadings.AvailableMemoryMib(meminfo),
            LoadPerCore = MachineReadings.LoadPerCore(await File.ReadAllTextAsync(Path.Combine(procRoot, "loadavg"), ct), Environment.ProcessorCount),
            Accelerator = driver is QemuDriver qemu ? qemu.Accelerator : "none",
        };
        status.CpuFlags.AddRange(MachineReadings.CpuFlags(await File.ReadAllTextAsync(Path.Combine(procRoot, "cpuinfo"), ct)));
        foreach (var (name, path) in datastores)
        {
            var drive = new DriveInfo(Path.GetFullPath(path));
            status.Datastores.Add(new Datastore { Name = name, Path = path, FreeBytes = drive.AvailableFreeSpace, TotalBytes = drive.TotalSize });
        }
        status.HostIds.AddRange((await driver.DiscoverHostsAsync(ct)).Select(h => h.HostId));
        return status;
    }
}
