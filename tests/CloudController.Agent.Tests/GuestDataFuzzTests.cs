using System.Text;

namespace CloudController.Agent.Tests;

/// <summary>Corrupt data files and channel lines, seeded: read as data or refused, never an unexpected exception.</summary>
public class GuestDataFuzzTests
{
    private const string Valid = "hostname=web-01\nip=10.0.0.7\nactivation.token=t\ncontroller.key=AAEC\nguest.vm-id=vm-1\n";

    [Fact]
    public void Fuzzed_data_files_read_as_key_value_data()
    {
        var random = new Random(16);
        var file = Path.GetTempFileName();
        try
        {
            for (var i = 0; i < 2000; i++)
            {
                File.WriteAllBytes(file, Mutation.Of(Encoding.UTF8.GetBytes(Valid), random));
                var data = GuestData.Read(file);
                Assert.All(data.Values, v => Assert.DoesNotContain('\n', v.Key + v.Value));
                try
                {
                    data.Required("hostname");
                }
                catch (InvalidDataException e)
                {
                    Assert.Contains("'hostname'", e.Message);
                }
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Fuzzed_channel_lines_parse_or_are_ignored()
    {
        var random = new Random(16);
        var line = Encoding.UTF8.GetBytes("""{"generation":7,"data":{"hostname":"web-01","guest.token":"t"}}""");
        for (var i = 0; i < 3000; i++)
        {
            var parsed = HostChannel.Parse(Encoding.UTF8.GetString(Mutation.Of(line, random)));
            if (parsed is not null) Assert.NotNull(parsed.Values);
        }
    }
}
