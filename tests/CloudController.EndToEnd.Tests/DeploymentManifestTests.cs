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
