namespace CloudController.HostAgent.Tests;

public sealed class HostAgentOptionsTests
{
    [Theory]
    [InlineData(new[] { "--listen", "http://127.0.0.1:5600", "--state-dir", "s" }, "--name: missing")]
    [InlineData(new[] { "--name", "HV_1", "--listen", "http://127.0.0.1:5600", "--state-dir", "s" }, "--name: 'HV_1' is not a host name")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "127.0.0.1:5600", "--state-dir", "s" }, "--listen: give the address")]
    [InlineData(new[] { "--name", "hv-1", "--listen", "http://127.0.0.1:5600" }, "--state-dir: give the directory")]
    [InlineData(new[] { "--name", "hv-1", "--set", "novalue" }, "--set takes key=value")]
    [InlineData(new[] { "--nme", "hv-1" }, "Unknown argument '--nme'")]
    public void Bad_arguments_are_refused_naming_the_flag_and_the_fix(string[] args, string expected) =>
        Assert.StartsWith(expected, Assert.Throws<ArgumentException>(() => HostAgentOptions.Parse(args)).Message);

    [Fact]
    public async Task A_datastore_that_is_not_a_directory_is_refused_naming_the_setting()
    {
        await using var agents = new RunningAgents();
        var refused = await Assert.ThrowsAsync<ArgumentException>(() => agents.StartAsync("hv-a", 1, "cloudcontroller.host-agent.datastores.nfs=/no/such/dir"));
        Assert.StartsWith("cloudcontroller.host-agent.datastores.nfs: '/no/such/dir' is not a directory", refused.Message);
    }
}
