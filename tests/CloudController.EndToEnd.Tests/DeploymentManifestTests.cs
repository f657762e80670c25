using Akka.Configuration;
using CloudController.Node;
using YamlDotNet.Serialization;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// The Kubernetes manifests stay true to the code: their ports are the ones the profile listens on, their labels
/// select the pods, their environment variables are ones the node reads, their ConfigMap is the profile, their probes
/// are endpoints the node serves (checked against a running node in <see cref="HealthEndpointTests"/>).
/// </summary>
public class DeploymentManifestTests
{
    private static readonly string Repository = FindRepository();
    private static readonly string Manifests = Path.Combine(Repository, "deploy", "k8s");

    private static string FindRepository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CloudController.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("not run from inside the repository");
    }

    private static List<Dictionary<object, object>> Documents() =>
        Directory.GetFiles(Manifests, "*.yaml").SelectMany(file => File.ReadAllText(file).Split("\n---\n"))
            .Select(text => new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(text))
            .Where(d => d is not null).ToList();

    private static Dictionary<object, object> Map(object node) => (Dictionary<object, object>)node;

    private static List<object> List(object node) => (List<object>)node;

    private static object At(object node, params string[] path) => path.Aggregate(node, (n, key) => Map(n)[key]);

    private static Dictionary<object, object> Kind(string kind, string name) =>
        Documents().Single(d => (string)d["kind"] == kind && (string)At(d, "metadata", "name") == name);

    private static Dictionary<object, object> Container => Map(List(At(Kind("StatefulSet", "cloudcontroller"), "spec", "template", "spec", "containers"))[0]);

    private static Dictionary<string, string> Env => List(Container["env"]).Select(Map)
        .ToDictionary(e => (string)e["name"], e => e.TryGetValue("value", out var v) ? (string)v : "");

    private static Config Profile => ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(Repository, "config", "postgres.conf")));

    [Fact]
    public void Every_manifest_parses_and_sits_in_the_controllers_namespace()
    {
        var documents = Documents();
        Assert.True(documents.Count >= 9);
        Assert.All(documents.Where(d => (string)d["kind"] != "Namespace"), d => Assert.Equal("cloudcontroller", At(d, "metadata", "namespace")));
    }

    [Fact]
    public void The_ports_are_the_ones_the_profile_and_environment_make_the_node_listen_on()
    {
        var ports = List(Container["ports"]).Select(Map).ToDictionary(p => (string)p["name"], p => int.Parse((string)p["containerPort"]));
        Assert.Equal(new Uri(Profile.GetString("cloudcontroller.grpc.endpoint")).Port, ports["grpc"]);
        Assert.Equal(Profile.GetInt("akka.remote.dot-netty.tcp.port"), ports["remoting"]);
        Assert.Equal(int.Parse(Env["CLOUDCONTROLLER_PORT"]), ports["remoting"]);
        Assert.Equal(new Uri(Env["CLOUDCONTROLLER_HEALTH"].Replace("0.0.0.0", "localhost")).Port, ports["health"]);

        var services = Documents().Where(d => (string)d["kind"] == "Service" && (string)At(d, "metadata", "name") != "postgres").ToList();
        foreach (var port in services.SelectMany(s => List(At(s, "spec", "ports")).Select(Map)))
        {
            Assert.Contains((string)port["targetPort"], ports.Keys);
            Assert.Equal(ports[(string)port["targetPort"]], int.Parse((string)port["port"]));
        }
    }

    [Fact]
    public void Labels_select_the_pods_and_the_headless_service_is_the_statefulsets()
    {
        var set = Kind("StatefulSet", "cloudcontroller");
        var labels = Map(At(set, "spec", "template", "metadata", "labels"));
        var selectors = new[]
        {
            Map(At(set, "spec", "selector", "matchLabels")), Map(At(Kind("Service", "cloudcontroller"), "spec", "selector")),
            Map(At(Kind("Service", "cloudcontroller-grpc"), "spec", "selector")), Map(At(Kind("PodDisruptionBudget", "cloudcontroller"), "spec", "selector", "matchLabels")),
        };
        Assert.All(selectors, s => Assert.All(s, pair => Assert.Equal(pair.Value, labels[pair.Key])));
        Assert.Equal("cloudcontroller", At(set, "spec", "serviceName"));
        Assert.Equal("None", At(Kind("Service", "cloudcontroller"), "spec", "clusterIP"));
        Assert.Equal("3", At(set, "spec", "replicas"));
    }

    [Fact]
    public void The_seeds_are_the_pods_stable_names_and_every_variable_is_one_the_node_reads()
    {
        var replicas = int.Parse((string)At(Kind("StatefulSet", "cloudcontroller"), "spec", "replicas"));
        var seeds = Env["CLOUDCONTROLLER_SEEDS"].Split(',');
        Assert.Equal(
            Enumerable.Range(0, replicas).Select(i => $"akka.ssl.tcp://cloudcontroller@cloudcontroller-{i}.cloudcontroller.cloudcontroller.svc.cluster.local:4053"),
            seeds);
        Assert.All(Env.Keys.Where(k => k != "POD_NAME"), name => Assert.Contains(name, NodeOptions.EnvironmentKeys.Keys));
        Assert.EndsWith(".cloudcontroller.cloudcontroller.svc.cluster.local", Env["CLOUDCONTROLLER_HOSTNAME"]);
    }

    [Fact]
    public void The_configmap_is_the_profile_and_the_secrets_referenced_are_defined()
    {
        var mounted = (string)At(Kind("ConfigMap", "cloudcontroller-config"), "data", "postgres.conf");
        Assert.Equal(File.ReadAllText(Path.Combine(Repository, "config", "postgres.conf")).TrimEnd(), mounted.TrimEnd());
        var args = List(Container["args"]).Cast<string>().ToList();
        Assert.Equal(["--config", "/etc/cloudcontroller/postgres.conf"], args);

        var db = Map(At(List(Container["env"]).Select(Map).Single(e => (string)e["name"] == "CLOUDCONTROLLER_DB"), "valueFrom", "secretKeyRef"));
        Assert.True(Map(At(Kind("Secret", (string)db["name"]), "stringData")).ContainsKey(db["key"]));
        var signing = Map(At(List(At(Kind("StatefulSet", "cloudcontroller"), "spec", "template", "spec", "volumes")).Select(Map).Single(v => (string)v["name"] == "secrets"), "secret"));
        var files = Map(At(Kind("Secret", (string)signing["secretName"]), "data")).Keys.Cast<string>().Order();
        Assert.Equal(["admin.token", "controller-authority.crt", "controller-authority.key", "host-ca.crt", "host-ca.key.sealed", "keypool-storage.key"], files);
    }

    private static string Dockerfile => File.ReadAllText(Path.Combine(Manifests, "Dockerfile"));

    private static Dictionary<object, object> PodSpec => Map(At(Kind("StatefulSet", "cloudcontroller"), "spec", "template", "spec"));

    [Fact]
    public void The_pod_runs_restricted_and_writes_only_to_emptydirs_at_the_data_directory_and_tmp()
    {
        Assert.Equal(("true", "1654"), ((string)At(PodSpec, "securityContext", "runAsNonRoot"), (string)At(PodSpec, "securityContext", "runAsUser")));
        Assert.Contains("USER $APP_UID", Dockerfile);
        Assert.Equal("false", At(Container, "securityContext", "allowPrivilegeEscalation"));
        Assert.Equal("true", At(Container, "securityContext", "readOnlyRootFilesystem"));
        Assert.Equal(["ALL"], List(At(Container, "securityContext", "capabilities", "drop")).Cast<string>());

        var emptyDirs = List(PodSpec["volumes"]).Select(Map).Where(v => v.ContainsKey("emptyDir")).Select(v => (string)v["name"]).ToHashSet();
        var writable = List(Container["volumeMounts"]).Select(Map).Where(m => emptyDirs.Contains((string)m["name"])).Select(m => (string)m["mountPath"]).ToList();
        var dataDir = Dockerfile.Split('\n').Single(l => l.StartsWith("ENV CLOUDCONTROLLER_DATA_DIR=")).Split('=')[1].Trim();
        Assert.Equal(new[] { "/tmp", dataDir }.Order(), writable.Order());
    }

    [Fact]
    public void Requests_and_limits_are_set_and_the_limits_hold_the_requests()
    {
        var requests = Map(At(Container, "resources", "requests"));
        var limits = Map(At(Container, "resources", "limits"));
        static long Bytes(object q) => (string)q is var s && s.EndsWith("Gi") ? long.Parse(s[..^2]) << 30 : long.Parse(s[..^2]) << 20;
        Assert.True(Bytes(limits["memory"]) >= Bytes(requests["memory"]));
        Assert.True(double.Parse((string)limits["cpu"]) >= double.Parse((string)requests["cpu"]));
        // The README's benchmark measured a 372 MiB working set with a 20,000-child pool: the request holds it.
        Assert.True(Bytes(requests["memory"]) >= 372L << 20);
    }

    [Fact]
    public async Task The_image_is_pinned_and_built_with_ccm_whose_leave_the_prestop_runs_with_a_command_line_ccm_takes()
    {
        var image = (string)Container["image"];
        Assert.Matches(@"^cloudcontroller/node:\d+\.\d+\.\d+$", image);
        Assert.Contains($"-t {image} .", Dockerfile);
        Assert.Contains($"-t {image} .", File.ReadAllText(Path.Combine(Manifests, "README.md")));
        Assert.Contains("dotnet publish src/CloudController.Cli -c Release -o /app/ccm", Dockerfile);

        var script = List(At(Container, "lifecycle", "preStop", "exec", "command")).Cast<string>().ToList() is ["sh", "-c", var s] ? s : throw new InvalidOperationException("preStop is not sh -c");
        var ccm = Words(script.Split("&&")[0]);
        Assert.Equal(["dotnet", "/app/ccm/ccm.dll"], ccm[..2]);
        var grpc = new Uri(Profile.GetString("cloudcontroller.grpc.endpoint")).Port;
        Assert.Equal($"http://127.0.0.1:{grpc}", ccm[ccm.IndexOf("--endpoint") + 1]);
        var secrets = (string)List(Container["volumeMounts"]).Select(Map).Single(m => (string)m["name"] == "secrets")["mountPath"];
        Assert.Equal($"{secrets}/admin.token", ccm[ccm.IndexOf("--token-file") + 1]);
        Assert.Equal(["cluster", "leave", "$CLOUDCONTROLLER_HOSTNAME:$CLOUDCONTROLLER_PORT"], ccm[(ccm.IndexOf("cluster"))..(ccm.IndexOf("cluster") + 3)]);
        Assert.Contains("CLOUDCONTROLLER_HOSTNAME", Env.Keys);
        Assert.Contains("CLOUDCONTROLLER_PORT", Env.Keys);

        // ccm takes the command line: against a port where nothing listens it says unreachable, not a usage error.
        var token = Path.GetTempFileName();
        await File.WriteAllTextAsync(token, "a-token");
        try
        {
            var args = ccm.Skip(2).Select(a => a == $"http://127.0.0.1:{grpc}" ? "http://127.0.0.1:1" : a == $"{secrets}/admin.token" ? token : a).ToArray();
            var errors = new StringWriter();
            var exit = await new CloudController.Cli.CcmApp(new Spectre.Console.Testing.TestConsole(), errors, environment: _ => null).RunAsync(args, CancellationToken.None);
            Assert.True(exit == 4, $"exit {exit}: {errors}");
        }
        finally
        {
            File.Delete(token);
        }
    }

    /// <summary>A shell command's words, double quotes kept together (the preStop script quotes nothing else).</summary>
    private static List<string> Words(string command) =>
        System.Text.RegularExpressions.Regex.Matches(command, "\"([^\"]*)\"|(\\S+)").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();

    [Fact]
    public void The_probes_ask_the_health_port_for_the_paths_the_node_serves()
    {
        Assert.Equal(("/ready", "health"), ((string)At(Container, "readinessProbe", "httpGet", "path"), (string)At(Container, "readinessProbe", "httpGet", "port")));
        Assert.Equal(("/healthz", "health"), ((string)At(Container, "livenessProbe", "httpGet", "path"), (string)At(Container, "livenessProbe", "httpGet", "port")));
    }
}

/// <summary>The endpoints the manifests' probes use, on a running node's HTTP/1.1 health listener.</summary>
public class HealthEndpointTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_node_answers_liveness_and_readiness_over_http_1_1()
    {
        var port = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        port.Start();
        var health = ((System.Net.IPEndPoint)port.LocalEndpoint).Port;
        port.Stop();
        await using var node = await RunningNode.StartAsync(output, $"cloudcontroller.health.endpoint=http://127.0.0.1:{health}");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{health}"), DefaultRequestVersion = System.Net.HttpVersion.Version11 };
        Assert.Equal("ok", await http.GetStringAsync("/healthz"));
        await Eventually.True(async () => (await http.GetAsync("/ready")).IsSuccessStatusCode, "the node ready");
    }
}
