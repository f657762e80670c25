namespace CloudController.Node.Tests;

public class NodeOptionsTests
{
    [Fact]
    public void Flags_name_the_profile_data_directory_endpoint_and_overrides()
    {
        var options = NodeOptions.Parse(["--config", "postgres", "--data-dir", "/tmp/d", "--grpc", "http://127.0.0.1:0", "--set", "a.b=1", "--set", "c=x=y"]);

        Assert.Equal("postgres", options.Profile);
        Assert.Equal("/tmp/d", options.DataDir);
        Assert.Equal("http://127.0.0.1:0", options.GrpcEndpoint);
        Assert.Equal(["a.b=1", "c=x=y"], options.Overrides.TakeLast(2));
    }

    [Theory]
    [InlineData("--bogus", "Unknown argument '--bogus'")]
    [InlineData("--config", "--config needs a value")]
    [InlineData("--set", "--set needs a value")]
    public void Refuses_bad_arguments_naming_them_with_the_usage(string argument, string problem)
    {
        var e = Assert.Throws<ArgumentException>(() => NodeOptions.Parse([argument]));
        Assert.StartsWith(problem, e.Message);
        Assert.Contains("Usage: CloudController.Node", e.Message);
    }

    [Fact]
    public void Refuses_a_setting_that_is_not_key_equals_value()
    {
        var e = Assert.Throws<ArgumentException>(() => NodeOptions.Parse(["--set", "akka.loglevel"]));
        Assert.StartsWith("--set takes key=value, got 'akka.loglevel'", e.Message);
    }
}
