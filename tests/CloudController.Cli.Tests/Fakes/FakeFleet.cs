using System.Collections.Concurrent;
using CloudController.Api.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TaskStatus = CloudController.Api.V1.TaskStatus;

namespace CloudController.Cli.Tests.Fakes;

/// <summary>
/// What the fake node holds and every request it was sent. The fake services answer from it; a test changes it to
/// shape the answers, or sets <see cref="Failure"/> to make every call fail the way a real node would.
/// </summary>
public sealed class FakeFleet
{
    private readonly ConcurrentQueue<IMessage> _requests = new();

    public List<Host> Hosts { get; } = [];

    public List<ModelVm> Models { get; } = [];

    public List<Vm> Vms { get; } = [];

    public List<InstantImage> Images { get; } = [];

    /// <summary>Every status of every task, in order: WatchTask streams a task's, GetTask answers its last.</summary>
    public List<TaskStatus> TaskUpdates { get; } = [];

    public RpcException? Failure { get; set; }

    /// <summary>A watch stream sends what it has, then stays open and silent, as a node does for a stuck task.</summary>
    public bool StreamsStayOpen { get; set; }

    public IReadOnlyList<IMessage> Requests => [.. _requests];

    public T Answer<T>(IMessage request, Func<T> reply)
    {
        _requests.Enqueue(request);
        if (Failure is { } failure) throw failure;
        return reply();
    }

    public IReadOnlyList<TaskStatus> UpdatesOf(string taskId)
    {
        var updates = TaskUpdates.Where(t => t.Id == taskId).ToList();
        return updates.Count > 0 ? updates : throw new RpcException(new Status(StatusCode.NotFound, $"task {taskId} not found"));
    }

    /// <summary>Back to a small, known fleet: two hosts, one model, one VM and the task that provisioned it.</summary>
    public void Reset()
    {
        _requests.Clear();
        Failure = null;
        StreamsStayOpen = false;
        Hosts.Clear();
        Models.Clear();
        Vms.Clear();
        Images.Clear();
        TaskUpdates.Clear();

        Hosts.Add(new Host
        {
            Id = "sim-host-01", State = "Active", HardwareClass = "general", CpuFlags = { "avx2", "vmx" },
            Capacity = Size(32, 131072, 2000), Reserved = Size(2, 4096, 40), Allocated = Size(2, 4096, 40), Free = Size(28, 122880, 1920),
            VmCount = 1, ReservationCount = 1, CpuLoad = 0.25, ObservedAt = At(0),
        });
        Hosts.Add(new Host
        {
            Id = "sim-host-02", State = "Draining", HardwareClass = "large-memory",
            Capacity = Size(64, 524288, 4000), Reserved = Size(0, 0, 0), Allocated = Size(0, 0, 0), Free = Size(64, 524288, 4000),
            CpuLoad = 0.5, ObservedAt = At(0),
        });
        Models.Add(new ModelVm
        {
            Name = "ubuntu", Os = "ubuntu-24.04", Apps = { "nginx", "php" }, Hardware = Size(2, 4096, 40), Minimum = Size(1, 1024, 10),
            DiskImage = "ubuntu-24.04-server", RegisteredAt = At(0),
        });
        Vms.Add(new Vm
        {
            Id = "vm-1", Hostname = "web-01", Model = "ubuntu", State = "Running", HostId = "sim-host-01", Hardware = Size(2, 4096, 40),
            DiskLayer = "layer-vm-1", TaskId = "task-1", CreatedAt = At(0), Owner = "alice",
        });
        TaskUpdates.AddRange(
        [
            TaskUpdate("task-1", TaskState.Running, "RecordingVm", 0),
            TaskUpdate("task-1", TaskState.Running, "Placing", 10),
            TaskUpdate("task-1", TaskState.Running, "Placing", 15),
            TaskUpdate("task-1", TaskState.Running, "CloningDisk", 40),
            TaskUpdate("task-1", TaskState.Succeeded, "Completed", 100),
        ]);
    }

    public static TaskStatus TaskUpdate(string id, TaskState state, string stage, int percent, string error = "") => new()
    {
        Id = id, Kind = "Provision", State = state, Stage = stage, Percent = percent, VmId = "vm-1", HostId = "sim-host-01",
        Model = "ubuntu", Hostname = "web-01", Error = error, CreatedAt = At(0), UpdatedAt = At(percent),
        History =
        {
            new TaskEvent { At = At(0), Stage = "RecordingVm", Message = "VM record created" },
            new TaskEvent { At = At(1), Stage = stage, Message = $"{stage} at {percent}%" },
        },
    };

    public static Resources Size(int cpu, long memoryMib, long diskGib) => new() { CpuCores = cpu, MemoryMib = memoryMib, DiskGib = diskGib };

    public static Timestamp At(int seconds) => Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(seconds));
}
