namespace CloudController.HostAgent.Tests;

public sealed class HostAgentOptionsTests
{
    [Theory]
    [InlineData(new[] { "--listen", "https://127.0.0.1:5600", "--state-dir", "s" }, "--name: missing")]
    [InlineData(new[] { "--name", "HV_1", "--listen", "https://127.0.0.1:5600", "--state-dir", "s" }, "--name: 'HV_1' is not a host name")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "127.0.0.1:5600", "--state-dir", "s" }, "--listen: give the https:// address")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "http://127.0.0.1:5600", "--state-dir", "s" }, "--listen: give the https:// address")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "https://127.0.0.1:5600" }, "--state-dir: give the directory")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "https://127.0.0.1:5600", "--state-dir", "s", "--controller", "http://c:5000" }, "--controller and --join-token go together")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "https://127.0.0.1:5600", "--state-dir", "s", "--controller", "c:5000", "--join-token", "t" }, "--controller: 'c:5000' is not")]
    [InlineData(new[] { "--name", "hv-1", "--set", "novalue" }, "--set takes key=value")]
    [InlineData(new[] { "--nme", "hv-1" }, "Unknown argument '--nme'")]
    public void Bad_arguments_are_refused_naming_the_flag_and_the_fix(string[] args, string expected) =>
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => HostAgentOptions.Parse(args)).Message);

    [Fact]
    public async Task A_datastore_that_is_not_a_directory_is_refused_naming_the_setting()
    {
        await using var agents = new RunningAgents();
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => agents.StartAsync("hv-a", 1, ["cloudcontroller.host-agent.datastores.nfs=/no/such/dir"]));
        Assert.StartsWith("cloudcontroller.host-agent.datastores.nfs: '/no/such/dir' is not a directory", refused.Message);
    }

    [Fact]
    public async Task An_agent_that_has_not_joined_is_refused_naming_how_to_join()
    {
        var stateDir = Directory.CreateTempSubdirectory("cc-hostd-").FullName;
        try
        {
            var options = HostAgentOptions.Parse(["--name", "hv-1", "--listen", $"https://127.0.0.1:{RunningAgents.FreePort()}", "--state-dir", stateDir]);
            var refused = await Assert.ThrowsAsync<ArgumentException>(() => HostAgentServer.StartAsync(options));
            Assert.StartsWith("This agent has not joined a controller", refused.Message);
            Assert.Contains("--controller URL and --join-token FILE", refused.Message);

            var joining = HostAgentOptions.Parse(["--name", "hv-1", "--listen", $"https://127.0.0.1:{RunningAgents.FreePort()}", "--state-dir", stateDir,
                "--controller", "http://127.0.0.1:1", "--join-token", Path.Combine(stateDir, "no-such.token")]);
            Assert.StartsWith("--join-token: no file", (await Assert.ThrowsAsync<ArgumentException>(() => HostAgentServer.StartAsync(joining))).Message);
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }
}
