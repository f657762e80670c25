using Akka.Configuration;
using CloudController.Hypervisor;

namespace CloudController.HostAgent;

/// <summary>How cc-hostd was asked to start: its name, where it listens, its state directory and driver settings.</summary>
public sealed record HostAgentOptions(string Name, Uri Listen, string StateDir, string? ConfigFile, IReadOnlyList<string> Overrides)
{
    public const string Usage = """
        Usage: cc-hostd --name <name> --listen <url> --state-dir <dir> [--config <file.conf>] [--set <key>=<value> ...]

          --name       This host agent's name (its machine's), unique in the controller's fleet.
          --listen     Where controller nodes reach it, e.g. http://0.0.0.0:5600.
          --state-dir  Where it keeps its state (the QEMU driver's hosts and images, relative paths in settings).
          --config     A HOCON file over the built-in defaults.
          --set        Overrides a setting, e.g. --set cloudcontroller.driver.kind=simulated.
        """;

    /// <summary>Parses command-line arguments; throws <see cref="ArgumentException"/> naming the bad or missing one.</summary>
    public static HostAgentOptions Parse(IReadOnlyList<string> args)
    {
        string? name = null, listen = null, stateDir = null, config = null;
        var overrides = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var flag = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{flag} needs a value.\n\n{Usage}");
            switch (flag)
            {
                case "--name": name = Value(); break;
                case "--listen": listen = Value(); break;
                case "--state-dir": stateDir = Value(); break;
                case "--config": config = Value(); break;
                case "--set": overrides.Add(HoconSetting.Line(Value())); break;
                default: throw new ArgumentException($"Unknown argument '{flag}'.\n\n{Usage}");
            }
        }
        if (name is null || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$"))
            throw new ArgumentException($"--name: {(name is null ? "missing" : $"'{name}' is not a host name")}; give lower-case letters, digits, '-' and '.', e.g. --name hv-01.\n\n{Usage}");
        if (listen is null || !Uri.TryCreate(listen, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--listen: give the address to listen on, e.g. --listen http://0.0.0.0:5600.\n\n{Usage}");
        if (stateDir is null) throw new ArgumentException($"--state-dir: give the directory the agent keeps its state in, e.g. --state-dir /var/lib/cc-hostd.\n\n{Usage}");
        if (config is not null && !File.Exists(config)) throw new ArgumentException($"--config: no file '{config}'.");
        return new HostAgentOptions(name, endpoint, Path.GetFullPath(stateDir), config, overrides);
    }

    /// <summary>The settings: overrides, then the file, then the built-in defaults; the data directory is the state directory.</summary>
    public Config Settings()
    {
        using var defaults = typeof(HostAgentOptions).Assembly.GetManifestResourceStream("CloudController.HostAgent.host-agent.conf")!;
        var config = ConfigurationFactory.ParseString(new StreamReader(defaults).ReadToEnd());
        if (ConfigFile is not null) config = ConfigurationFactory.ParseString(File.ReadAllText(ConfigFile)).WithFallback(config);
        return ConfigurationFactory.ParseString(string.Join("\n", [.. Overrides, $"cloudcontroller.data-dir = {HoconSetting.Quote(StateDir)}"])).WithFallback(config);
    }
}
