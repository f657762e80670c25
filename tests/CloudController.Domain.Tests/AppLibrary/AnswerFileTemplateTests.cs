using CloudController.Domain.AppLibrary;

namespace CloudController.Domain.Tests.AppLibrary;

public class AnswerFileTemplateTests
{
    private static readonly AnswerFileTemplate Ini = new("office", AnswerFileFormat.Ini,
        "[Setup]\nUserName={{user}}\nLicenseKey={{licence}}\nTargetDir={{target}}\n");

    private static readonly AnswerFileTemplate Xml = new("unattend", AnswerFileFormat.Xml,
        "<User><Name>{{user}}</Name><Org>{{org}}</Org></User>");

    private static readonly AnswerFileTemplate Shell = new("setup", AnswerFileFormat.Shell,
        "#!/bin/sh\ninstall --user {{user}} --dir {{target}}\n");

    [Fact]
    public void Fills_every_placeholder_for_the_user()
    {
        var rendered = Ini.Render(new Dictionary<string, string> { ["user"] = "alice", ["licence"] = "AAAA-BBBB", ["target"] = "C:\\Apps\\Office" });
        Assert.Empty(rendered.Errors);
        Assert.Equal("[Setup]\nUserName=alice\nLicenseKey=AAAA-BBBB\nTargetDir=C:\\Apps\\Office\n", rendered.Text);
    }

    [Theory]
    [InlineData("alice\nAdminPassword=evil")]
    [InlineData("alice\r\n[Other]")]
    [InlineData("alice\u0000")]
    [InlineData("alice\u2028")]
    public void A_value_that_would_add_a_line_or_a_directive_is_refused(string hostile)
    {
        var rendered = Ini.Render(new Dictionary<string, string> { ["user"] = hostile, ["licence"] = "x", ["target"] = "y" });
        Assert.Null(rendered.Text);
        Assert.Equal("answers.user", rendered.Errors.Single().Field);
    }

    [Fact]
    public void Xml_values_cannot_open_or_close_elements()
    {
        var rendered = Xml.Render(new Dictionary<string, string> { ["user"] = "</Name><Admin>true</Admin><Name>", ["org"] = "A & B \"Ltd\"" });
        Assert.Equal("<User><Name>&lt;/Name&gt;&lt;Admin&gt;true&lt;/Admin&gt;&lt;Name&gt;</Name><Org>A &amp; B &quot;Ltd&quot;</Org></User>", rendered.Text);
    }

    [Fact]
    public void Shell_values_stay_one_quoted_word()
    {
        var rendered = Shell.Render(new Dictionary<string, string> { ["user"] = "x'; rm -rf / #", ["target"] = "$(reboot)" });
        Assert.Equal("#!/bin/sh\ninstall --user 'x'\\''; rm -rf / #' --dir '$(reboot)'\n", rendered.Text);
    }

    [Fact]
    public void Missing_and_unknown_values_are_all_reported()
    {
        var rendered = Ini.Render(new Dictionary<string, string> { ["user"] = "alice", ["colour"] = "blue" });
        Assert.Equal(["answers.licence", "answers.target", "answers.colour"], rendered.Errors.Select(e => e.Field));
        Assert.Contains("user, licence, target", rendered.Errors[2].Fix);
    }
}
