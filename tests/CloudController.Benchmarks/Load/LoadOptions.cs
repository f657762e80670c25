namespace CloudController.Benchmarks.Load;

/// <summary>
/// What a load run does: the scenario, how much, and against what: a node it starts itself (embedded SQLite profile,
/// simulated fleet) unless an endpoint is given.
/// </summary>
public sealed record LoadOptions(string Scenario, int Count, int Concurrency, int Hosts, string? Endpoint, string ResultFile, IReadOnlyList<string> Settings, int Changes = 200, int Warmup = 0)
{
    public const string Usage = """
        Usage: load <pool|provision|handout|recovery|watch|idle|qemu|qemu-agents> [--count N|--daemons N] [--changes N] [--concurrency N] [--warmup N] [--hosts N] [--endpoint URL] [--out FILE] [--set key=value]...
          pool       scale a pool of forked children from 0 to N (default 2000) and time them to ready
          provision  provision N single VMs (default 200), --concurrency at a time (default 16), each to its end, after
                     --warmup VMs (default 200) provisioned the same way and not counted: a node that has run a while
          handout    N key-set activations (default 200) from a warm pool, --concurrency at a time; also the refill rate, and on a node it
                     starts itself the journal's own commit timed after each hand-out, with p99 / commit p99
          recovery   scale a pool to N (default 2000), restart the node, time until the pool and every host are back
          watch      N guest data daemons (default 2000, --daemons) on one node: its CPU while they idle, then --changes
                     `vm config set`s (default 200) one at a time, each timed to its daemon's acknowledgement
          idle       a node with --hosts simulated hosts and nothing asked: its CPU over 60 s (two status refresh intervals), and the host statuses
                     its fleet view receives per second (count and bytes)
          qemu       on real QEMU: cold start vs fork of N children (default 4), PSS per child vs parent, migration of a 128 MiB guest
          qemu-agents  on real QEMU over three host agents (127.0.0.2-4): a pool scaled 0 to N (default 64) until every child
                     answers on its channel; a driver call through an agent vs in-process
          --hosts    simulated hosts of the node the tool starts (default 100); ignored with --endpoint
          --endpoint drive a running node or cluster instead of starting one
          --out      where the JSON result goes (default load-<scenario>.json)
          --set      a setting of the node the tool starts, as the node's own --set takes it (repeatable)
        """;

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not ("pool" or "provision" or "handout" or "recovery" or "watch" or "idle" or "qemu" or "qemu-agents")) throw new ArgumentException(Usage);
        var scenario = args[0];
        int count = scenario switch { "pool" or "recovery" or "watch" => 2000, "qemu" => 4, "qemu-agents" => 64, _ => 200 }, concurrency = 16, hosts = 100, changes = 200, warmup = scenario == "provision" ? 200 : 0;
        string? endpoint = null;
        var output = $"load-{scenario}.json";
        var settings = new List<string>();
        for (var i = 1; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            switch (args[i])
            {
                case "--count" or "--daemons": count = Positive(args[i], value); break;
                case "--changes": changes = Positive(args[i], value); break;
                case "--concurrency": concurrency = Positive(args[i], value); break;
                case "--warmup" when scenario == "provision": warmup = int.TryParse(value, out var w) && w >= 0 ? w : throw new ArgumentException($"--warmup takes a count (0 or more), not '{value}'."); break;
                case "--warmup": throw new ArgumentException("--warmup applies to provision only.");
                case "--hosts": hosts = Positive(args[i], value); break;
                case "--endpoint": endpoint = value; break;
                case "--out": output = value; break;
                case "--set" when value.Contains('='): settings.Add(value); break;
                case "--set": throw new ArgumentException($"--set takes key=value, not '{value}'.");
                default: throw new ArgumentException($"unknown option {args[i]}.\n{Usage}");
            }
            i++;
        }
        return new LoadOptions(scenario, count, concurrency, hosts, endpoint, output, settings, changes, warmup);
    }

    private static int Positive(string option, string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"{option} takes a positive number, not '{value}'.");
}
