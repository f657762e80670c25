using System.Collections.Immutable;
using CloudController.Domain.Catalog;
using CloudController.Domain.Templates;
using CloudController.Domain.Tests.Sizing;

namespace CloudController.Domain.Tests.Templates;

public class TemplateMatcherTests
{
    private static ModelVm Staged(string name, string os, Resources hardware, params string[] apps) =>
        new(name, os, apps.ToImmutableArray(), hardware, new Resources(1, 512, 10), $"{name}.img", DateTimeOffset.UnixEpoch);

    private static readonly SoftwareCatalog Catalog = SizingAdvisorTests.Catalog;
    private static readonly OsDefinition Ubuntu = Catalog.Os("ubuntu-24.04")!;

    [Fact]
    public void An_exact_match_wins_and_says_so()
    {
        var match = TemplateMatcher.BestMatch(Ubuntu, ["nginx"], new Resources(2, 4096, 40),
            [Staged("web", "ubuntu-24.04", new Resources(2, 4096, 40), "nginx"), Staged("db", "ubuntu-24.04", new Resources(2, 4096, 40), "postgres")],
            Catalog)!;

        Assert.True(match.IsExact);
        Assert.Equal("web matches exactly", match.Differences);
    }

    [Fact]
    public void Without_an_exact_match_the_closest_is_chosen_and_what_differs_is_said()
    {
        var candidates = new[]
        {
            Staged("bare-debian", "debian-12", new Resources(2, 4096, 40)),
            Staged("web-small", "ubuntu-24.04", new Resources(1, 1024, 20), "nginx"),
            Staged("web-big", "ubuntu-24.04", new Resources(8, 32768, 400), "nginx"),
            Staged("windows-web", "windows-2022", new Resources(2, 4096, 40), "iis"),
        };

        var match = TemplateMatcher.BestMatch(Ubuntu, ["nginx", "postgres"], new Resources(2, 4096, 40), candidates, Catalog)!;

        Assert.Equal("web-small", match.Template.Name);
        Assert.Equal(["postgres"], match.MissingApps.ToArray());
        Assert.Contains("lacks postgres (installed at deploy)", match.Differences);
        Assert.Contains("hardware differs", match.Differences);
    }

    [Fact]
    public void The_same_family_qualifies_when_the_OS_itself_has_no_template_and_another_family_never_does()
    {
        var match = TemplateMatcher.BestMatch(Ubuntu, ["nginx"], new Resources(2, 4096, 40),
            [Staged("debian-web", "debian-12", new Resources(2, 4096, 40), "nginx")], Catalog)!;
        Assert.False(match.SameOs);
        Assert.Contains("runs debian-12, of the same family", match.Differences);

        Assert.Null(TemplateMatcher.BestMatch(Ubuntu, [], new Resources(2, 4096, 40),
            [Staged("windows-web", "windows-2022", new Resources(2, 4096, 40))], Catalog));
    }

    [Fact]
    public void Fewer_apps_to_install_beats_closer_hardware_and_names_break_ties()
    {
        var match = TemplateMatcher.BestMatch(Ubuntu, ["nginx", "postgres"], new Resources(2, 4096, 40),
        [
            Staged("b-full", "ubuntu-24.04", new Resources(16, 65536, 400), "nginx", "postgres"),
            Staged("a-full", "ubuntu-24.04", new Resources(16, 65536, 400), "nginx", "postgres"),
            Staged("close", "ubuntu-24.04", new Resources(2, 4096, 40), "nginx"),
        ], Catalog)!;
        Assert.Equal("a-full", match.Template.Name);
    }
}
