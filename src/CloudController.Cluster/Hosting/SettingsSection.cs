using Akka.Configuration;

namespace CloudController.Cluster.Hosting;

/// <summary>
/// One section of the <c>cloudcontroller</c> configuration, read strictly. Every key has its default in the embedded
/// reference.conf and nowhere else, so a missing key is a defect of the build, not a setting left out; a value out of
/// range is refused naming its full key and the fix.
/// </summary>
public sealed class SettingsSection(Config config, string path)
{
    public SettingsSection Section(string key) => new(config.GetConfig(key) ?? ConfigurationFactory.Empty, Key(key));

    public Config Raw(string key) => config.GetConfig(key) ?? ConfigurationFactory.Empty;

    public string Key(string key) => $"{path}.{key}";

    public string String(string key) => Checked(key, () => config.GetString(key));

    public bool Boolean(string key) => Checked(key, () => config.GetBoolean(key));

    public int Int(string key) => Checked(key, () => config.GetInt(key));

    public double Double(string key) => Checked(key, () => config.GetDouble(key));

    public TimeSpan Duration(string key) => Checked(key, () => config.GetTimeSpan(key));

    public int Positive(string key)
    {
        var value = Int(key);
        return value > 0 ? value : throw new ConfigurationException($"{Key(key)} = {value}; it must be at least 1.");
    }

    public TimeSpan PositiveDuration(string key, string example) =>
        Duration(key) is { Ticks: > 0 } value
            ? value
            : throw new ConfigurationException($"{Key(key)} must be longer than zero, e.g. {example}.");

    public double Fraction(string key)
    {
        var value = Double(key);
        return value is > 0 and <= 1 ? value : throw new ConfigurationException($"{Key(key)} = {value}; use a fraction in (0, 1].");
    }

    private T Checked<T>(string key, Func<T> read) =>
        config.HasPath(key)
            ? read()
            : throw new ConfigurationException($"{Key(key)} is not set and has no default in reference.conf; set it or restore reference.conf.");
}
