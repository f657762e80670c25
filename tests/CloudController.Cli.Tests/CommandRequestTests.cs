using CloudController.Api.V1;
using CloudController.Cli.Tests.Fakes;
using Google.Protobuf;

namespace CloudController.Cli.Tests;

/// <summary>Every command, parsed and sent over gRPC to the fake node: the request it makes is the one meant.</summary>
[Collection(FakeNodeCollection.Name)]
public class CommandRequestTests
{
    private readonly FakeNode _node;

    public CommandRequestTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    public static TheoryData<string[], string> Commands => new()
    {
        { ["hosts", "list"], "ListHostsRequest { }" },
        { ["hosts", "show", "sim-host-01"], "GetHostRequest { \"id\": \"sim-host-01\" }" },
        { ["host", "join-token"], "CreateJoinTokenRequest { }" },
        { ["host", "join-token", "--name", "hv-01", "--expires", "90m"], "CreateJoinTokenRequest { \"name\": \"hv-01\", \"expiresInSeconds\": \"5400\" }" },
        { ["hosts", "remove", "hv-01"], "RemoveAgentRequest { \"name\": \"hv-01\" }" },
        {
            ["models", "add", "centos", "--os", "centos-9", "--app", "nginx", "--app", "php", "--cpu", "2", "--memory", "4096", "--disk", "40",
                "--min-cpu", "1", "--min-memory", "1024", "--min-disk", "10", "--image", "centos-9-server", "--service-pack", "sp1", "--user", "ops"],
            "AddModelRequest { \"name\": \"centos\", \"os\": \"centos-9\", \"apps\": [ \"nginx\", \"php\" ], " +
            "\"hardware\": { \"cpuCores\": 2, \"memoryMib\": \"4096\", \"diskGib\": \"40\" }, " +
            "\"minimum\": { \"cpuCores\": 1, \"memoryMib\": \"1024\", \"diskGib\": \"10\" }, \"diskImage\": \"centos-9-server\", " +
            "\"servicePack\": \"sp1\", \"users\": [ \"ops\" ] }"
        },
        { ["models", "list"], "ListModelsRequest { }" },
        { ["models", "show", "ubuntu"], "GetModelRequest { \"name\": \"ubuntu\" }" },
        { ["models", "remove", "ubuntu"], "RemoveModelRequest { \"name\": \"ubuntu\" }" },
        {
            ["vm", "provision", "--model", "ubuntu", "--hostname", "web-02"],
            "ProvisionRequest { \"model\": \"ubuntu\", \"hostname\": \"web-02\", \"overrides\": { } }"
        },
        {
            ["vm", "provision", "--model", "ubuntu", "--hostname", "web-02", "--cpu", "4", "--memory", "8192", "--disk", "80"],
            "ProvisionRequest { \"model\": \"ubuntu\", \"hostname\": \"web-02\", \"overrides\": { \"cpuCores\": 4, \"memoryMib\": \"8192\", \"diskGib\": \"80\" } }"
        },
        {
            ["vm", "provision", "--os", "ubuntu-24.04", "--app", "postgres", "--answer", "postgres.user=alice", "--answer", "postgres.opts=a=b",
                "--hostname", "db-01", "--min-memory", "2048", "--group", "db", "--group-policy", "anti-affinity"],
            "ProvisionRequest { \"hostname\": \"db-01\", \"overrides\": { }, \"os\": \"ubuntu-24.04\", \"apps\": [ \"postgres\" ], " +
            "\"answers\": { \"postgres.user\": \"alice\", \"postgres.opts\": \"a=b\" }, \"group\": \"db\", \"groupPolicy\": \"anti-affinity\", " +
            "\"minMemoryMib\": \"2048\" }"
        },
        {
            ["vm", "provision", "--model", "ubuntu", "--hostname", "desk-01", "--owner", "carol"],
            "ProvisionRequest { \"model\": \"ubuntu\", \"hostname\": \"desk-01\", \"overrides\": { }, \"owner\": \"carol\" }"
        },
        {
            ["vm", "provision", "--instant", "web-ready", "--hostname", "web-03"],
            "ProvisionRequest { \"hostname\": \"web-03\", \"overrides\": { }, \"instantImage\": \"web-ready\" }"
        },
        { ["usage", "report"], "GetUsageRequest { }" },
        {
            ["usage", "report", "--from", "2026-12-01", "--to", "2026-12-02T08:00", "--user", "alice"],
            "GetUsageRequest { \"from\": \"2026-12-01T00:00:00Z\", \"to\": \"2026-12-02T08:00:00Z\", \"owner\": \"alice\" }"
        },
        { ["vm", "list"], "ListVmsRequest { }" },
        { ["vm", "list", "--host", "sim-host-01"], "ListVmsRequest { \"hostId\": \"sim-host-01\" }" },
        { ["vm", "show", "vm-1"], "GetVmRequest { \"id\": \"vm-1\" }" },
        { ["vm", "delete", "vm-1"], "DeleteVmRequest { \"id\": \"vm-1\" }" },
        { ["task", "show", "task-1"], "GetTaskRequest { \"taskId\": \"task-1\" }" },
        { ["task", "watch", "task-1"], "WatchTaskRequest { \"taskId\": \"task-1\" }" },
        { ["task", "abort", "task-1", "--reason", "wrong size"], "AbortTaskRequest { \"taskId\": \"task-1\", \"reason\": \"wrong size\" }" },
        { ["catalog", "oses"], "ListOsesRequest { }" },
        { ["catalog", "apps"], "ListAppsRequest { }" },
        { ["catalog", "profiles"], "ListProfilesRequest { }" },
        { ["catalog", "goals"], "ListGoalsRequest { }" },
        {
            ["catalog", "check", "--os", "ubuntu-24.04", "--app", "nginx", "--memory", "2048"],
            "CheckBuildRequest { \"os\": \"ubuntu-24.04\", \"apps\": [ \"nginx\" ], \"hardware\": { \"memoryMib\": \"2048\" } }"
        },
        {
            ["catalog", "check", "--os", "ubuntu-24.04", "--goal", "web-server", "--goal-amount", "2000"],
            "CheckBuildRequest { \"os\": \"ubuntu-24.04\", \"goal\": \"web-server\", \"goalAmount\": 2000 }"
        },
        {
            ["catalog", "define-os", "debian-13", "--family", "linux", "--min-cpu", "1", "--min-memory", "512", "--min-disk", "8", "--headroom", "1.5"],
            "Os { \"name\": \"debian-13\", \"family\": \"linux\", \"minimum\": { \"cpuCores\": 1, \"memoryMib\": \"512\", \"diskGib\": \"8\" }, \"headroom\": 1.5 }"
        },
        {
            ["catalog", "define-app", "redis", "--runs-on", "linux", "--cpu", "1", "--memory", "512", "--disk", "1"],
            "App { \"name\": \"redis\", \"runsOn\": [ \"linux\" ], \"minimum\": { \"cpuCores\": 1, \"memoryMib\": \"512\", \"diskGib\": \"1\" }, \"headroom\": 1 }"
        },
        {
            ["catalog", "define-profile", "small", "--cpu", "1", "--memory", "1024", "--disk", "20"],
            "HardwareProfile { \"name\": \"small\", \"hardware\": { \"cpuCores\": 1, \"memoryMib\": \"1024\", \"diskGib\": \"20\" } }"
        },
        { ["catalog", "remove", "os", "debian-13"], "RemoveCatalogEntryRequest { \"kind\": \"os\", \"name\": \"debian-13\" }" },
        { ["instant", "capture", "web-ready", "--vm", "vm-1"], "CaptureInstantImageRequest { \"name\": \"web-ready\", \"vmId\": \"vm-1\" }" },
        { ["instant", "list"], "ListInstantImagesRequest { }" },
        { ["instant", "remove", "web-ready"], "RemoveInstantImageRequest { \"name\": \"web-ready\" }" },
        {
            ["placement", "explain", "--cpu", "4", "--memory", "8192", "--disk", "40", "--cpu-flag", "avx2", "--strategy", "pack"],
            "ExplainPlacementRequest { \"hardware\": { \"cpuCores\": 4, \"memoryMib\": \"8192\", \"diskGib\": \"40\" }, \"cpuFlags\": [ \"avx2\" ], \"strategy\": \"pack\" }"
        },
    };

    /// <summary>The singular grammar beside the older names above: both send the same request.</summary>
    public static TheoryData<string[], string> SingularCommands => new()
    {
        { ["host", "list"], "ListHostsRequest { }" },
        { ["host", "set", "sim-host-01", "draining", "--reason", "disk swap"], "SetHostStateRequest { \"id\": \"sim-host-01\", \"state\": \"draining\", \"reason\": \"disk swap\" }" },
        { ["hosts", "state", "sim-host-01", "draining"], "SetHostStateRequest { \"id\": \"sim-host-01\", \"state\": \"draining\" }" },
        { ["model", "delete", "ubuntu"], "RemoveModelRequest { \"name\": \"ubuntu\" }" },
        { ["vm", "create", "--model", "ubuntu", "--hostname", "web-02"], "ProvisionRequest { \"model\": \"ubuntu\", \"hostname\": \"web-02\", \"overrides\": { } }" },
        { ["vms", "list"], "ListVmsRequest { }" },
        { ["catalog", "delete", "os", "debian-13"], "RemoveCatalogEntryRequest { \"kind\": \"os\", \"name\": \"debian-13\" }" },
        { ["instant", "delete", "web-ready"], "RemoveInstantImageRequest { \"name\": \"web-ready\" }" },
    };

    [Theory]
    [MemberData(nameof(SingularCommands))]
    public async Task A_singular_command_sends_what_its_older_name_sends(string[] args, string expected) => await A_command_sends_the_request_its_options_describe(args, expected);

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_command_sends_the_request_its_options_describe(string[] args, string expected)
    {
        var run = await CcmRun.Against(_node, args);

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.Errors}");
        Assert.Empty(run.Errors);
        var request = Assert.Single(_node.Fleet.Requests);
        Assert.Equal(expected, Describe(request));
    }

    [Fact]
    public async Task Provision_with_wait_follows_the_task_it_started()
    {
        var run = await CcmRun.Against(_node, "vm", "provision", "--model", "ubuntu", "--hostname", "web-01", "--wait");

        Assert.Equal(0, run.ExitCode);
        Assert.Collection(_node.Fleet.Requests,
            r => Assert.Equal("ProvisionRequest", r.Descriptor.Name),
            r => Assert.Equal("WatchTaskRequest { \"taskId\": \"task-1\" }", Describe(r)));
        Assert.Contains("VM vm-1 (web-01) is running on host sim-host-01.", run.Output);
    }

    [Fact]
    public async Task Delete_with_wait_follows_the_deletion_task()
    {
        var deleted = FakeFleet.TaskUpdate("task-2", TaskState.Succeeded, "Completed", 100);
        deleted.Kind = "Delete";
        _node.Fleet.TaskUpdates.Add(deleted);

        var run = await CcmRun.Against(_node, "vm", "delete", "vm-1", "--wait");

        Assert.Equal(0, run.ExitCode);
        Assert.Collection(_node.Fleet.Requests,
            r => Assert.Equal("DeleteVmRequest { \"id\": \"vm-1\" }", Describe(r)),
            r => Assert.Equal("WatchTaskRequest { \"taskId\": \"task-2\" }", Describe(r)));
        Assert.Contains("VM vm-1 (web-01) deleted.", run.Output);
    }

    private static string Describe(IMessage request) => $"{request.Descriptor.Name} {JsonFormatter.Default.Format(request)}";
}
