using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using CloudController.Api.V1;
using CloudController.Cluster.Hosting;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Ten thousand malformed and hostile requests, each otherwise valid but for the one field it targets (the model,
/// template, pool and VM it names exist unless the unknown name is the defect), with unknown protobuf fields sprinkled
/// over them: every one is refused naming that field (InvalidArgument) or the unknown thing (NotFound,
/// FailedPrecondition), none crashes the node, and afterwards nothing is changed: no VM, pool, model, host
/// reservation, key-pool token or entity more. A check left out then shows as an accepted request or a changed state.
/// </summary>
public class HostileInputEndToEndTests(ITestOutputHelper output)
{
    private const int Requests = 10_000;

    /// <param name="Fields">For InvalidArgument: the fields a violation may name (a name, or a prefix ending in '.' or '[').</param>
    /// <param name="Says">For any other refusal: what its message must contain (the unknown thing, or why).</param>
    private sealed record Hostile(string Service, string Method, IMessage Request, StatusCode[] Allowed, string[] Fields, string Says = "")
    {
        public override string ToString() => $"{Service}/{Method} {Request}";
    }

    private static readonly string[] Texts =
    [
        "", " ", "\t", "\0", "web\u0007bell", "line\nbreak", "ünïcødé", "名前", "🙂🙂", "\u202Eevil", "a b", "under_score", "-lead",
        "'; DROP TABLE journal;--", "$(reboot)", "../../etc/passwd", "%s%n%x", "<script>", "\uFFFF", "\uFFFD",
        new string('a', 64), new string('x', 300), new string('z', 70_000),
    ];

    private static string HostileText(Random r) => Texts[r.Next(Texts.Length)] + (r.Next(3) == 0 ? "" : Texts[r.Next(Texts.Length)]);

    private static readonly int[] BadCores = [-1, int.MinValue, 100_000, int.MaxValue];
    private static readonly long[] BadSizes = [-1, long.MinValue, long.MaxValue, 1L << 50];
    private static readonly int[] BadCounts = [-1, int.MinValue, int.MaxValue, 1_000_001];

    private static readonly StatusCode[] Invalid = [StatusCode.InvalidArgument];
    private static readonly StatusCode[] InvalidOrNotFound = [StatusCode.InvalidArgument, StatusCode.NotFound];
    private static readonly string[] BadRanges = ["", "10.0.0.0/33", "999.0.0.0/24", "10.0.0.9-10.0.0.1", "10.0.0.0/24/8", "not-a-range"];

    /// <summary>What exists before the requests, so that only the field a request targets is wrong.</summary>
    private sealed record Known(string Vm, string UsedToken, string UnspentToken, string Pool, string Template);

    /// <summary>A refused lookup of an id: InvalidArgument naming the field, or NotFound quoting the id it did not find.</summary>
    private static Hostile Lookup(string service, string method, IMessage request, string field, string id) =>
        new(service, method, request, InvalidOrNotFound, [field], $"'{id.Trim()}'");

    private static CreatePoolRequest ValidPool(Random r, Known known) => new()
    {
        Name = $"p-{r.Next()}", Template = known.Template, NamePattern = "web-{n}", IpRange = "10.9.0.0/24", Desired = 1,
    };

    private static Hostile Generate(Random r, Known known)
    {
        switch (r.Next(14))
        {
            case 0:
                return new("Provisioning", "Provision", new ProvisionRequest { Model = "m-" + HostileText(r), Hostname = "web-01" }, Invalid, ["model"]);
            case 1:
                return new("Provisioning", "Provision", new ProvisionRequest { Model = "ubuntu", Hostname = HostileText(r) + "_" }, Invalid, ["hostname"]);
            case 2:
            {
                var overrides = new HardwareOverrides();
                switch (r.Next(3))
                {
                    case 0: overrides.CpuCores = BadCores[r.Next(BadCores.Length)]; break;
                    case 1: overrides.MemoryMib = BadSizes[r.Next(BadSizes.Length)]; break;
                    default: overrides.DiskGib = BadSizes[r.Next(BadSizes.Length)]; break;
                }
                return new("Provisioning", "Provision", new ProvisionRequest { Model = "ubuntu", Hostname = $"ok-{r.Next()}", Overrides = overrides }, Invalid, ["overrides."]);
            }
            case 3:
            {
                if (r.Next(2) == 0)
                    return new("Pools", "ScalePool", new ScalePoolRequest { Name = known.Pool, Desired = BadCounts[r.Next(BadCounts.Length)] }, Invalid, ["desired"]);
                var name = HostileText(r) + $"-{r.Next()}";
                return Lookup("Pools", "ScalePool", new ScalePoolRequest { Name = name, Desired = r.Next(0, 100) }, "name", name);
            }
            case 4:
            {
                var pool = ValidPool(r, known);
                switch (r.Next(6))
                {
                    case 0: pool.Name = HostileText(r) + "!"; return new("Pools", "CreatePool", pool, Invalid, ["name"]);
                    case 1: pool.IpRange = BadRanges[r.Next(BadRanges.Length)]; return new("Pools", "CreatePool", pool, Invalid, ["ipRange"]);
                    case 2: pool.Desired = BadCounts[r.Next(BadCounts.Length)]; return new("Pools", "CreatePool", pool, Invalid, ["desired"]);
                    case 3: pool.NamePattern = HostileText(r) + "!"; return new("Pools", "CreatePool", pool, Invalid, ["namePattern"]);
                    case 4: pool.Domain = HostileText(r) + "_"; return new("Pools", "CreatePool", pool, Invalid, ["domain"]);
                    default: pool.TargetHosts.Add(HostileText(r) + "!"); return new("Pools", "CreatePool", pool, Invalid, ["targetHosts["]);
                }
            }
            case 5:
            {
                var id = HostileText(r) + r.Next();
                return r.Next(3) switch
                {
                    0 => Lookup("Vms", "GetVm", new GetVmRequest { Id = id }, "id", id),
                    1 => Lookup("Vms", "DeleteVm", new DeleteVmRequest { Id = id }, "id", id),
                    _ => Lookup("Vms", "GetVmConfig", new GetVmConfigRequest { Id = id, ShowSecrets = true }, "id", id),
                };
            }
            case 6:
            {
                var id = HostileText(r) + r.Next();
                return r.Next(2) == 0
                    ? Lookup("Provisioning", "GetTask", new GetTaskRequest { TaskId = id }, "task_id", id)
                    : Lookup("Provisioning", "AbortTask", new AbortTaskRequest { TaskId = id }, "task_id", id);
            }
            case 7:
            {
                // The data of the VM that exists, with a key no store accepts.
                var request = new SetVmConfigRequest { Id = known.Vm };
                request.Set[r.Next(2) == 0 ? "" : "key\u0001" + HostileText(r)] = "value";
                return new("Vms", "SetVmConfig", request, Invalid, ["set", "data["]);
            }
            case 8:
                // For a VM the controller does not know, which an administrator may name with its host name and address.
                return r.Next(2) == 0
                    ? new("KeyPool", "IssueActivationToken", new IssueActivationTokenRequest { VmId = $"vm-{r.Next()}", Hostname = HostileText(r) + "_", Ip = "10.0.0.9" }, Invalid, ["hostname"])
                    : new("KeyPool", "IssueActivationToken", new IssueActivationTokenRequest { VmId = $"vm-{r.Next()}", Hostname = "hand-01", Ip = "999.1.1.1" }, Invalid, ["ip"]);
            case 9:
                return r.Next(3) switch
                {
                    // An unspent token with a key that is no X25519 key: refused before the token is spent.
                    0 => new("Activation", "Activate", new ActivateRequest
                    {
                        Token = known.UnspentToken, Hostname = "known-01", Ip = "10.0.0.5", AgentPublicKey = ByteString.CopyFrom(new byte[r.Next(0, 32)]),
                    }, Invalid, ["agentPublicKey"]),
                    1 => new("Activation", "Activate", new ActivateRequest { Token = known.UsedToken, Hostname = "known-01", Ip = "10.0.0.5", AgentPublicKey = AgentKey() },
                        [StatusCode.FailedPrecondition], [], "already used"),
                    _ => new("Activation", "Activate", new ActivateRequest { Token = $"cct-{r.Next()}", Hostname = "known-01", Ip = "10.0.0.5", AgentPublicKey = AgentKey() },
                        [StatusCode.FailedPrecondition], [], "not one this controller issued"),
                };
            case 10:
            {
                var model = new AddModelRequest
                {
                    Name = $"model-{r.Next()}", Os = "ubuntu-24.04", DiskImage = "ubuntu-24.04-server",
                    Hardware = new Resources { CpuCores = 2, MemoryMib = 2048, DiskGib = 10 },
                    Minimum = new Resources { CpuCores = 1, MemoryMib = 1024, DiskGib = 10 },
                };
                switch (r.Next(4))
                {
                    case 0: model.Name = HostileText(r) + "!"; return new("Catalog", "AddModel", model, Invalid, ["name"]);
                    case 1: model.Hardware.CpuCores = BadCores[r.Next(BadCores.Length)]; return new("Catalog", "AddModel", model, Invalid, ["hardware.cpu_cores"]);
                    case 2: model.Hardware.MemoryMib = BadSizes[r.Next(BadSizes.Length)]; return new("Catalog", "AddModel", model, Invalid, ["hardware.memory_mib"]);
                    default: model.Hardware.DiskGib = BadSizes[r.Next(BadSizes.Length)]; return new("Catalog", "AddModel", model, Invalid, ["hardware.disk_gib"]);
                }
            }
            case 11:
            {
                if (r.Next(2) == 0)
                    return new("Provisioning", "Provision", new ProvisionRequest { Model = "ubuntu", Hostname = $"ok-{r.Next()}", Owner = HostileText(r) + "!" }, Invalid, ["owner"]);
                var pool = ValidPool(r, known);
                pool.Owner = HostileText(r) + "!";
                return new("Pools", "CreatePool", pool, Invalid, ["owner"]);
            }
            case 12:
            {
                // A period that ends before it starts, or an owner that is no name.
                var from = DateTimeOffset.UnixEpoch.AddSeconds(r.NextInt64(0, 4_000_000_000));
                return r.Next(2) == 0
                    ? new("Usage", "GetUsage", new GetUsageRequest
                    {
                        From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from),
                        To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(from.AddSeconds(-r.Next(0, 1_000_000))),
                    }, Invalid, ["from"])
                    : new("Usage", "GetUsage", new GetUsageRequest { From = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = long.MaxValue } }, Invalid, ["from"]);
            }
            default:
            {
                var name = HostileText(r) + r.Next();
                return Lookup("Pools", "GetPool", new GetPoolRequest { Name = name }, "name", name);
            }
        }
    }

    /// <summary>Unknown fields (numbers no message uses, every wire type) appended: a parser must skip them.</summary>
    private static byte[] WithUnknownFields(byte[] message, Random r)
    {
        using var buffer = new MemoryStream();
        buffer.Write(message);
        var output = new CodedOutputStream(buffer, leaveOpen: true);
        for (var i = r.Next(4); i > 0; i--)
        {
            var field = r.Next(1000, 100_000);
            switch (r.Next(3))
            {
                case 0:
                    output.WriteTag(field, WireFormat.WireType.Varint);
                    output.WriteInt64(r.NextInt64());
                    break;
                case 1:
                    output.WriteTag(field, WireFormat.WireType.Fixed64);
                    output.WriteFixed64((ulong)r.NextInt64());
                    break;
                default:
                    var bytes = new byte[r.Next(0, 200)];
                    r.NextBytes(bytes);
                    output.WriteTag(field, WireFormat.WireType.LengthDelimited);
                    output.WriteBytes(ByteString.CopyFrom(bytes));
                    break;
            }
        }
        output.Flush();
        return buffer.ToArray();
    }

    private static ByteString AgentKey()
    {
        var generator = new Org.BouncyCastle.Crypto.Generators.X25519KeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.Parameters.X25519KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom()));
        return ByteString.CopyFrom(((Org.BouncyCastle.Crypto.Parameters.X25519PublicKeyParameters)generator.GenerateKeyPair().Public).GetEncoded());
    }

    private static readonly Marshaller<byte[]> Raw = Marshallers.Create(b => b, b => b);

    [Fact]
    public async Task Ten_thousand_hostile_requests_are_each_refused_naming_the_field_and_change_nothing()
    {
        await using var node = await RunningNode.StartAsync(output, "cloudcontroller.driver.simulated.hosts=2");
        await node.WaitForHostsAsync(2);
        await node.AddUbuntuModelAsync();
        var started = await node.Provisioning.ProvisionAsync(new ProvisionRequest { Model = "ubuntu", Hostname = "known-01", Data = { ["ip"] = "10.0.0.5" } });
        await node.WatchToEndAsync(started.TaskId);
        var knownVm = started.VmId;
        await Eventually.True(async () => (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Count == 1, "the VM listed");
        var usedToken = (await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = knownVm, Hostname = "known-01", Ip = "10.0.0.5" })).Token;
        await Eventually.True(async () => (await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest())).Available >= 1, "a set ready", TimeSpan.FromSeconds(60));
        await node.Activation.ActivateAsync(new ActivateRequest { Token = usedToken, Hostname = "known-01", Ip = "10.0.0.5", AgentPublicKey = AgentKey() });
        var unspentToken = (await node.KeyPool.IssueActivationTokenAsync(new IssueActivationTokenRequest { VmId = knownVm })).Token;
        await node.Pools.DefineTemplateAsync(new DefineTemplateRequest { Name = "tpl", Model = "ubuntu" });
        await node.Pools.CreatePoolAsync(new CreatePoolRequest { Name = "web", Template = "tpl", NamePattern = "web-{n}", IpRange = "10.8.0.0/24", Desired = 0 });
        var known = new Known(knownVm, usedToken, unspentToken, "web", "tpl");
        await Eventually.True(async () => (await node.Pools.ListPoolsAsync(new ListPoolsRequest())).Pools.Count == 1, "the pool listed");
        var before = await StateAsync(node);

        using var channel = GrpcChannel.ForAddress(node.Node.Endpoint, new GrpcChannelOptions { MaxSendMessageSize = null });
        var invoker = channel.CreateCallInvoker();
        var problems = new ConcurrentQueue<string>();
        var codes = new ConcurrentDictionary<StatusCode, int>();
        await Parallel.ForAsync(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var random = new Random(20261203 + i);
            var hostile = Generate(random, known);
            var method = new Method<byte[], byte[]>(MethodType.Unary, $"cloudcontroller.v1.{hostile.Service}", hostile.Method, Raw, Raw);
            try
            {
                await invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)), WithUnknownFields(hostile.Request.ToByteArray(), random));
                problems.Enqueue($"accepted: {hostile}");
            }
            catch (RpcException e)
            {
                codes.AddOrUpdate(e.StatusCode, 1, (_, n) => n + 1);
                if (Problem(hostile, e) is { } problem) problems.Enqueue($"{problem}: {hostile}".Replace("\0", "\\0"));
            }
        });
        output.WriteLine(string.Join(", ", codes.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}")));
        Assert.True(problems.IsEmpty, $"{problems.Count} requests mishandled, e.g.:\n{string.Join("\n", problems.Take(10).Select(p => p[..Math.Min(p.Length, 400)]))}");

        // Nothing changed, and entities woken by lookups of unknown ids went back to sleep instead of being remembered.
        var after = before;
        try
        {
            await Eventually.True(async () => Unchanged(before, after = await StateAsync(node)), "the same state as before", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            Assert.Equal(before.Records, after.Records);
            Assert.Equal(before, after);
        }
        Assert.Equal(2, (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Count);
    }

    /// <summary>What is wrong with the answer to a hostile request, or null when it is a proper refusal.</summary>
    private static string? Problem(Hostile hostile, RpcException e)
    {
        if (!hostile.Allowed.Contains(e.StatusCode)) return $"answered {e.StatusCode} ({e.Status.Detail})";
        if (e.StatusCode != StatusCode.InvalidArgument)
            return e.Status.Detail.Contains(hostile.Says, StringComparison.Ordinal) ? null : $"answered {e.StatusCode} without saying {hostile.Says} ({e.Status.Detail})";
        var violations = e.GetRpcStatus()?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations;
        if (violations is null || violations.Count == 0) return $"InvalidArgument without field violations ({e.Status.Detail})";
        var stray = violations.Where(v => !hostile.Fields.Any(f => f.EndsWith('.') || f.EndsWith('[') ? v.Field.StartsWith(f, StringComparison.Ordinal) : v.Field == f)).ToList();
        return stray.Count == 0 ? null : $"names {string.Join(", ", stray.Select(v => v.Field))}";
    }

    /// <summary>The same records; and no more live entities of any kind (finished tasks may passivate meanwhile).</summary>
    private static bool Unchanged((string Records, Dictionary<string, int> Entities) before, (string Records, Dictionary<string, int> Entities) after) =>
        before.Records == after.Records && after.Entities.All(e => e.Value <= before.Entities.GetValueOrDefault(e.Key));

    /// <summary>Everything a refused request could have changed: the records clients see, and live entities per region.</summary>
    private static async Task<(string Records, Dictionary<string, int> Entities)> StateAsync(RunningNode node)
    {
        var vms = (await node.Vms.ListVmsAsync(new ListVmsRequest())).Vms.Select(v => $"{v.Id}:{v.State}:{v.HostId}");
        var hosts = (await node.Hosts.ListHostsAsync(new ListHostsRequest())).Hosts.Select(h => $"{h.Id}:{h.Allocated}:{h.Reserved}");
        var pools = (await node.Pools.ListPoolsAsync(new ListPoolsRequest())).Pools.Select(p => $"{p.Name}:{p.Desired}");
        var models = (await node.Catalog.ListModelsAsync(new ListModelsRequest())).Models.Select(m => m.Name);
        var keys = await node.KeyPool.GetKeyPoolStatusAsync(new GetKeyPoolStatusRequest());
        var registry = node.Node.Services.GetRequiredService<ActorRegistry>();
        var entities = new Dictionary<string, int>();
        foreach (var region in new[] { registry.Get<ControllerActorKeys.Hosts>(), registry.Get<ControllerActorKeys.Tasks>(), registry.Get<ControllerActorKeys.Vms>(),
                     registry.Get<ControllerActorKeys.Pools>(), registry.Get<ControllerActorKeys.ReplicaMaps>(), registry.Get<ControllerActorKeys.Models>() })
        {
            var state = await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
            entities[region.Path.Name] = state.Shards.Sum(s => s.EntityIds.Count);
        }
        return (string.Join("|", [.. vms, .. hosts, .. pools, .. models, $"tokens:{keys.TokensOutstanding}:{keys.HandedOutTotal}"]), entities);
    }
}
