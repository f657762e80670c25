using Akka.Configuration;
using Akka.Configuration.Hocon;
using CloudController.Domain;
using CloudController.Domain.AppLibrary;
using CloudController.Domain.Catalog;
using CloudController.Domain.Sizing;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// The OSes, apps, hardware profiles and performance goals requests are checked against, read from
/// <c>cloudcontroller.catalog</c>. Lists of objects, because OS names such as ubuntu-24.04 hold dots, which HOCON
/// keys would read as paths.
/// </summary>
public sealed record SoftwareCatalogSettings(SoftwareCatalog Catalog, IReadOnlyList<GoalRule> Goals)
{
    public static SoftwareCatalogSettings FromConfig(Config config)
    {
        var oses = Entries(config, "oses", c => new OsDefinition(
            c.GetString("name"), c.GetString("family"), c.GetString("service-pack", ""), ResourcesOf(c, "minimum"), c.GetDouble("headroom", 1.0)));
        var apps = Entries(config, "apps", c => new AppDefinition(
            c.GetString("name"), [.. c.GetStringList("runs-on", [])], ResourcesOf(c, "minimum"), c.GetDouble("headroom", 1.0),
            c.HasPath("answer-file.text")
                ? new AnswerFileTemplate(c.GetString("name"), Enum.Parse<AnswerFileFormat>(c.GetString("answer-file.format", "ini"), ignoreCase: true),
                    c.GetString("answer-file.text"))
                : null));
        var profiles = Entries(config, "profiles", c => new HardwareProfile(c.GetString("name"), ResourcesOf(c, "hardware")));
        var goals = Entries(config, "goals", c => new GoalRule(
            c.GetString("name"), c.GetString("unit"), c.GetDouble("per", 1), ResourcesOf(c, "base"), ResourcesOf(c, "each")));
        return new SoftwareCatalogSettings(SoftwareCatalog.Of(oses, apps, profiles), goals);
    }

    public GoalRule? Goal(string name) => Goals.FirstOrDefault(g => g.Goal == name);

    private static List<T> Entries<T>(Config config, string list, Func<Config, T> read)
    {
        var path = $"cloudcontroller.catalog.{list}";
        if (!config.HasPath(path)) return [];
        return config.GetValue(path).GetArray().Select(v =>
        {
            var entry = new Config(new HoconRoot(v));
            if (string.IsNullOrEmpty(entry.GetString("name", "")))
                throw new ConfigurationException($"An entry of {path} has no name.");
            return read(entry);
        }).ToList();
    }

    private static Resources ResourcesOf(Config c, string key) => new(
        c.GetInt($"{key}.cpu-cores", 0), c.GetLong($"{key}.memory-mib", 0), c.GetLong($"{key}.disk-gib", 0));
}
