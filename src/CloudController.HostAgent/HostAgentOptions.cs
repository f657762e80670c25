using Akka.Configuration;
using CloudController.Hypervisor;

namespace CloudController.HostAgent;

/// <summary>How cc-hostd was asked to start: its name, where it listens, its state directory and driver settings.</summary>
public sealed record HostAgentOptions(
    string Name, Uri Listen, string StateDir, string? ConfigFile, IReadOnlyList<string> Overrides,
    Uri? Controller = null, string? JoinTokenFile = null, string? ControllerCaFile = null)
{
    public const string Usage = """
        Usage: cc-hostd --name <name> --listen <url> --state-dir <dir> [--controller <url> --join-token <file>]
                        [--controller-ca <file.pem>] [--config <file.conf>] [--set <key>=<value> ...]

          --name           This host agent's name (its machine's), unique in the controller's fleet.
          --listen         Where controller nodes reach it, over TLS: https://ADDRESS:PORT, e.g. https://10.0.0.5:5600.
          --state-dir      Where it keeps its state: its key and certificate once joined, the QEMU driver's hosts and
                           images (relative paths in settings).
          --controller     The controller's gRPC address to join, e.g. http://10.0.0.2:5000 (needed only to join).
          --join-token     A file holding a one-time token from `ccm host join-token` (needed only to join).
          --controller-ca  The CA (PEM) of an https --controller's certificate, when it is a private one.
          --config         A HOCON file over the built-in defaults.
          --set            Overrides a setting, e.g. --set cloudcontroller.driver.kind=simulated.
        """;

    /// <summary>Parses command-line arguments; throws <see cref="ArgumentException"/> naming the bad or missing one.</summary>
    public static HostAgentOptions Parse(IReadOnlyList<string> args)
    {
        string? name = null, listen = null, stateDir = null, config = null, controller = null, joinToken = null, controllerCa = null;
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
                case "--controller": controller = Value(); break;
                case "--join-token": joinToken = Value(); break;
                case "--controller-ca": controllerCa = Value(); break;
                case "--set": overrides.Add(HoconSetting.Line(Value())); break;
                default: throw new ArgumentException($"Unknown argument '{flag}'.\n\n{Usage}");
            }
        }
        if (name is null || !System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$"))
            throw new ArgumentException($"--name: {(name is null ? "missing" : $"'{name}' is not a host name")}; give lower-case letters, digits, '-' and '.', e.g. --name hv-01.\n\n{Usage}");
        if (listen is null || !Uri.TryCreate(listen, UriKind.Absolute, out var endpoint) || endpoint.Scheme != "https")
            throw new ArgumentException($"--listen: give the https:// address controller nodes reach this agent at (it serves only over TLS), e.g. --listen https://10.0.0.5:5600.\n\n{Usage}");
        if (stateDir is null) throw new ArgumentException($"--state-dir: give the directory the agent keeps its state in, e.g. --state-dir /var/lib/cc-hostd.\n\n{Usage}");
        if (config is not null && !File.Exists(config)) throw new ArgumentException($"--config: no file '{config}'.");
        Uri? controllerUri = null;
        if (controller is not null && (!Uri.TryCreate(controller, UriKind.Absolute, out controllerUri) || controllerUri.Scheme is not ("http" or "https")))
            throw new ArgumentException($"--controller: '{controller}' is not the http(s):// address of the controller's gRPC endpoint, e.g. --controller http://10.0.0.2:5000.");
        if ((controller is null) != (joinToken is null))
            throw new ArgumentException("--controller and --join-token go together: joining needs both the controller's address and a token file from `ccm host join-token`.");
        if (controllerCa is not null && !File.Exists(controllerCa)) throw new ArgumentException($"--controller-ca: no file '{controllerCa}'.");
        return new HostAgentOptions(name, endpoint, Path.GetFullPath(stateDir), config, overrides, controllerUri, joinToken, controllerCa);
    }

    /// <summary>The settings: overrides, then the file, then the built-in defaults; the data directory is the state directory.</summary>
    public Config Settings()
    {
        using var defaults = typeof(HostAgentOptions).Assembly.GetManifestResourceStream("CloudController.HostAgent.host-agent.conf")!;
        var config = ConfigurationFactory.ParseString(new StreamReader(defaults).ReadToEnd());
        if (ConfigFile is not null) config = ConfigurationFactory.ParseString(File.ReadAllText(ConfigFile)).WithFallback(config);
        var settings = ConfigurationFactory.ParseString(string.Join("\n", [.. Overrides, $"cloudcontroller.data-dir = {HoconSetting.Quote(StateDir)}"])).WithFallback(config);
        return settings.GetConfig("cloudcontroller.driver.qemu.hosts") is { IsEmpty: false } ? settings : settings.WithFallback(ThisMachineAsHost());
    }

    /// <summary>Without configured QEMU hosts, the machine is one host named as the agent, with its cores, memory and disk.</summary>
    private Config ThisMachineAsHost()
    {
        var memoryMib = File.Exists("/proc/meminfo") ? Hypervisor.Qemu.MachineReadings.TotalMemoryMib(File.ReadAllText("/proc/meminfo")) : 4096;
        var diskGib = new DriveInfo(StateDir).TotalSize / (1L << 30);
        return ConfigurationFactory.ParseString(
            $"cloudcontroller.driver.qemu.hosts.{HoconSetting.Quote(Name)} {{ cpu-cores = {Environment.ProcessorCount}, memory-mib = {memoryMib}, disk-gib = {diskGib} }}");
    }
}
