using CloudController.Api.V1;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>Operators manage the OSes, the app library and the profiles at run time; the configured ones are defaults.</summary>
public class SoftwareCatalogEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Definitions_and_removals_take_effect_override_the_defaults_and_survive_a_restart()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        Advisor.AdvisorClient Advisor() => new(GrpcChannel.ForAddress(node.Node.Endpoint));

        await Advisor().DefineOsAsync(new Os
        {
            Name = "alpine-3.20", Family = "linux", Minimum = new Resources { CpuCores = 1, MemoryMib = 128, DiskGib = 1 }, Headroom = 2,
        });
        var redis = new App
        {
            Name = "redis", Minimum = new Resources { CpuCores = 1, MemoryMib = 512, DiskGib = 1 }, Headroom = 1.5,
            AnswerFileFormat = "ini", AnswerFile = "[redis]\nmaxmemory={{maxmemory}}",
        };
        redis.RunsOn.Add("linux");
        await Advisor().DefineAppAsync(redis);
        await Advisor().DefineProfileAsync(new HardwareProfile { Name = "tiny", Hardware = new Resources { CpuCores = 1, MemoryMib = 256, DiskGib = 2 } });
        await Advisor().RemoveCatalogEntryAsync(new RemoveCatalogEntryRequest { Kind = "app", Name = "nginx" });

        var build = new CheckBuildRequest { Os = "alpine-3.20", Profile = "tiny", Apps = { "redis", "nginx" } };
        var check = await Eventually.Get(async () =>
        {
            try
            {
                var result = await Advisor().CheckBuildAsync(build);
                return result.Minimum is not null && result.Problems.Any(p => p.Field == "apps[1]") ? result : null;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                return null; // the read model has not seen the profile yet
            }
        }, "the catalog read model to follow the definitions");
        Assert.Equal(["apps[1]", "hardware.memory_mib"], check.Problems.Select(p => p.Field));
        Assert.Contains("no app named 'nginx'", check.Problems[0].Description);
        Assert.Equal(640, check.Minimum.MemoryMib);

        await node.RestartAsync();
        var apps = await Eventually.Get(async () =>
        {
            var listed = (await Advisor().ListAppsAsync(new ListAppsRequest())).Apps;
            return listed.Any(a => a.Name == "redis") ? listed : null;
        }, "the catalog after a restart");
        Assert.DoesNotContain(apps, a => a.Name == "nginx");
        Assert.Equal("[redis]\nmaxmemory={{maxmemory}}", apps.Single(a => a.Name == "redis").AnswerFile);
        Assert.Contains((await Advisor().ListOsesAsync(new ListOsesRequest())).Oses, o => o.Name == "alpine-3.20");
    }

    [Fact]
    public async Task Bad_definitions_are_refused_field_by_field()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=1");
        var advisor = new Advisor.AdvisorClient(GrpcChannel.ForAddress(node.Node.Endpoint));

        var badOs = await Assert.ThrowsAsync<RpcException>(async () => await advisor.DefineOsAsync(new Os
        {
            Name = "Bad OS", Family = "", Minimum = new Resources { CpuCores = 0, MemoryMib = 1, DiskGib = 1 }, Headroom = 0.5,
        }));
        Assert.Equal(["name", "family", "minimum", "headroom"], badOs.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));

        var badApp = await Assert.ThrowsAsync<RpcException>(async () => await advisor.DefineAppAsync(new App
        {
            Name = "x", Minimum = new Resources(), AnswerFileFormat = "yaml", AnswerFile = "k={{v}}",
        }));
        Assert.Equal(["answer_file_format", "runs_on"], badApp.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Select(v => v.Field));

        var missing = await Assert.ThrowsAsync<RpcException>(async () =>
            await advisor.RemoveCatalogEntryAsync(new RemoveCatalogEntryRequest { Kind = "os", Name = "beos" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
