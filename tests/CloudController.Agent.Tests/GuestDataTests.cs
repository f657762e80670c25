namespace CloudController.Agent.Tests;

public class GuestDataTests
{
    [Fact]
    public void Reads_key_value_lines_skipping_comments_and_lines_without_a_key()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "# the host's data\nguest.vm-id=vm-1\n=no key\nnot a pair\nurl=http://x/?a=b\n\n");
            var data = GuestData.Read(file);

            Assert.Equal("vm-1", data.Required("guest.vm-id"));
            Assert.Equal("http://x/?a=b", data.Optional("url"));
            Assert.Equal(2, data.Values.Count);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_required_key_is_named_and_values_never_print()
    {
        var data = new GuestData(new Dictionary<string, string> { ["guest.token"] = "hunter2" });

        Assert.Contains("'guest.vm-id'", Assert.Throws<InvalidDataException>(() => data.Required("guest.vm-id")).Message);
        Assert.Equal("", data.Optional("guest.vm-id"));
        Assert.DoesNotContain("hunter2", data.ToString());
    }
}
