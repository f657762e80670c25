using System.Diagnostics;
using CloudController.Hypervisor.CloudInit;
using YamlDotNet.RepresentationModel;

namespace CloudController.Hypervisor.Tests.CloudInit;

public class NoCloudSeedTests
{
    private const string Mac = "02:cc:00:00:00:01";

    /// <summary>Values that would add a key, a document, an alias or a type if they were pasted into YAML.</summary>
    private static readonly string[] Hostile =
    [
        "x\nruncmd: [reboot]", "a: b", "# not a comment", "!!python/object/apply:os.system [\"reboot\"]", "&anchor x", "*alias",
        "'single'", "\"double\"", "{bootcmd: [reboot]}", "[1, 2]", "- item", "true", "0777", "null", "~", "---", "...",
        "back\\slash", "tab\there", "é ü 日本", "k=v=w", "%TAG ! tag:evil:", "|", ">-", "@at", "`tick`", "",
    ];

    [Fact]
    public void Hostile_values_stay_strings_add_no_key_and_pass_cloud_inits_schema()
    {
        var data = new Dictionary<string, string>
        {
            ["hostname"] = "web-01", ["domain"] = "corp.example.com", ["ip"] = "10.0.0.21", ["network.gateway"] = "10.0.0.1",
            ["users"] = "alice,bob", ["users.alice.password"] = "p: w\n# x !!binary", ["ssh.authorized-keys.alice"] = "ssh-ed25519 AAAA a: b #c\nssh-rsa BBBB !!str",
            ["activation.token"] = "tok: en", ["controller.endpoint"] = "http://10.0.2.2:5400 # x", ["controller.key"] = "k\"ey",
            ["guest.token"] = "never in the seed",
        };
        for (var i = 0; i < Hostile.Length; i++) data[$"app.v{i:D2}"] = Hostile[i];
        var seed = NoCloudSeed.Render("vm-1: x", "fallback", Mac, data, p => "$6$hash-of$" + p);

        var meta = Load(seed.MetaData);
        Assert.Equal(["instance-id", "local-hostname"], Keys(meta));
        Assert.Equal("vm-1: x", Value(meta, "instance-id"));

        Assert.StartsWith("#cloud-config\n", seed.UserData);
        var user = Load(seed.UserData);
        Assert.Equal(["fqdn", "hostname", "manage_etc_hosts", "preserve_hostname", "runcmd", "ssh_deletekeys", "users", "write_files"], Keys(user));
        Assert.Equal("web-01.corp.example.com", Value(user, "fqdn"));
        var users = ((YamlSequenceNode)user["users"]).Cast<YamlMappingNode>().ToList();
        Assert.Equal(["hashed_passwd", "lock_passwd", "name", "shell", "ssh_authorized_keys"], Keys(users[0]));
        Assert.Equal("$6$hash-of$p: w\n# x !!binary", Value(users[0], "hashed_passwd"));
        Assert.Equal(["ssh-ed25519 AAAA a: b #c", "ssh-rsa BBBB !!str"], ((YamlSequenceNode)users[0]["ssh_authorized_keys"]).Select(Scalar));
        Assert.Equal(["name", "shell"], Keys(users[1]));

        var files = ((YamlSequenceNode)user["write_files"]).Cast<YamlMappingNode>().ToList();
        Assert.Equal([NoCloudSeed.AppStore, NoCloudSeed.ActivationData], files.Select(f => Value(f, "path")));
        Assert.All(files, f => Assert.Equal(["content", "owner", "path", "permissions"], Keys(f)));
        Assert.All(files, f => Assert.Equal("0600", Value(f, "permissions")));
        // Every single-line app value is one line of the store, exactly as given; the multi-line one stays out.
        var expected = Enumerable.Range(0, Hostile.Length).Where(i => !Hostile[i].Contains('\n')).Select(i => $"app.v{i:D2}={Hostile[i]}\n");
        Assert.Equal(string.Concat(expected), Value(files[0], "content"));
        Assert.Equal("activation.token=tok: en\ncontroller.key=k\"ey\nhostname=web-01\nip=10.0.0.21\n", Value(files[1], "content"));
        var runcmd = Assert.Single((YamlSequenceNode)user["runcmd"]);
        Assert.Equal(["cc-agent", "activate", "--endpoint", "http://10.0.2.2:5400 # x", "--data", NoCloudSeed.ActivationData, "--root", "/"], ((YamlSequenceNode)runcmd).Select(Scalar));
        Assert.DoesNotContain("never in the seed", seed.UserData + seed.MetaData + seed.NetworkConfig);

        // No value carries a tag: every scalar the data gave is a plain string.
        Assert.All(user.AllNodes.Concat(meta.AllNodes), n => Assert.True(n.Tag.IsEmpty || n.Tag.Value == "!", $"tag {n.Tag} on {n}"));
        AssertCloudInitAccepts(seed.UserData);
    }

    [Fact]
    public void A_static_address_is_bound_to_the_NICs_MAC_with_its_gateway_and_DNS_and_no_address_means_DHCP()
    {
        var data = new Dictionary<string, string> { ["ip"] = "10.0.2.15", ["network.prefix"] = "24", ["network.gateway"] = "10.0.2.2", ["network.dns"] = "10.0.2.3, 1.1.1.1" };
        var network = Load(NoCloudSeed.Render("vm-1", "web", Mac, data, Sha512Crypt.Hash).NetworkConfig);
        Assert.Equal("2", Value(network, "version"));
        var nic = (YamlMappingNode)((YamlMappingNode)network["ethernets"])["eth0"];
        Assert.Equal(["addresses", "gateway4", "match", "nameservers", "set-name"], Keys(nic));
        Assert.Equal(Mac, Value((YamlMappingNode)nic["match"], "macaddress"));
        Assert.Equal(["10.0.2.15/24"], ((YamlSequenceNode)nic["addresses"]).Select(Scalar));
        Assert.Equal("10.0.2.2", Value(nic, "gateway4"));
        Assert.Equal(["10.0.2.3", "1.1.1.1"], ((YamlSequenceNode)((YamlMappingNode)nic["nameservers"])["addresses"]).Select(Scalar));

        var dhcp = Load(NoCloudSeed.Render("vm-1", "web", Mac, new Dictionary<string, string>(), Sha512Crypt.Hash).NetworkConfig);
        var plain = (YamlMappingNode)((YamlMappingNode)dhcp["ethernets"])["eth0"];
        Assert.Equal(["dhcp4", "match", "set-name"], Keys(plain));
        Assert.Equal("web", Value(Load(NoCloudSeed.Render("vm-1", "web", Mac, new Dictionary<string, string>(), Sha512Crypt.Hash).MetaData), "local-hostname"));
    }

    [Theory]
    [InlineData("hunter2", "abcdefgh12345678", "$6$abcdefgh12345678$va.5Cu4V3VVDTTqGxBFLJLe96seoR7t27vdfZXImlG605uxgrHTyzCgabN4Vc/Y7Qs3Z1NzMmGGkjXsRvwVIt1")]
    [InlineData("pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp",
        "saltsalt", "$6$saltsalt$OA3whYQ6alp87BUc54ANoz5OlecKJJncrC8.AreiWaRi7Bhctbq5MQU41qhcVcmt3l4wsiwpf5XqeMUVDAfac.")]
    public void Passwords_hash_as_openssl_passwd_6_does(string password, string salt, string expected) =>
        Assert.Equal(expected, Sha512Crypt.Hash(password, salt));

    [Fact]
    public void Each_hash_gets_its_own_salt() => Assert.NotEqual(Sha512Crypt.Hash("x"), Sha512Crypt.Hash("x"));

    private static YamlMappingNode Load(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return (YamlMappingNode)Assert.Single(stream.Documents).RootNode;
    }

    private static List<string> Keys(YamlMappingNode map) => map.Children.Keys.Select(Scalar).Order(StringComparer.Ordinal).ToList();

    private static string Value(YamlMappingNode map, string key) => Scalar(map[key]);

    private static string Scalar(YamlNode node) => ((YamlScalarNode)node).Value!;

    /// <summary>Debian's cloud-init, offline: the schema every cloud-config module declares.</summary>
    private static void AssertCloudInitAccepts(string userData)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, userData);
            var start = new ProcessStartInfo("cloud-init") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "schema", "--config-file", file }) start.ArgumentList.Add(a);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                throw new InvalidOperationException("this test needs cloud-init's schema check (Debian: cloud-init); .ci/run installs it");
            }
            using (process)
            {
                var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
                process.WaitForExit();
                Assert.True(process.ExitCode == 0 && output.Contains("Valid cloud-config"), $"cloud-init schema refused the user-data:\n{output}\n{userData}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
