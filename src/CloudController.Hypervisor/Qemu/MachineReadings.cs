using System.Collections.Immutable;
using System.Globalization;

namespace CloudController.Hypervisor.Qemu;

/// <summary>What the Linux machine under a host says about itself and its processes, parsed from /proc.</summary>
public static class MachineReadings
{
    /// <summary>MemAvailable from /proc/meminfo, in MiB: what new guests can take without swapping.</summary>
    public static long AvailableMemoryMib(string meminfo) => KibField(meminfo, "MemAvailable") / 1024;

    /// <summary>MemTotal from /proc/meminfo, in MiB.</summary>
    public static long TotalMemoryMib(string meminfo) => KibField(meminfo, "MemTotal") / 1024;

    /// <summary>The one-minute load average from /proc/loadavg, per core, so 1.0 is a fully busy machine.</summary>
    public static double LoadPerCore(string loadavg, int cores) =>
        double.Parse(loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture) / Math.Max(1, cores);

    /// <summary>The CPU flags /proc/cpuinfo lists for the first CPU, sorted: what placement's cpu-flag filter reads.</summary>
    public static ImmutableArray<string> CpuFlags(string cpuinfo) =>
        cpuinfo.Split('\n').FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) is { } line
            ? [.. line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)]
            : [];

    /// <summary>
    /// A process's proportional set size from /proc/PID/smaps_rollup, in KiB: pages it shares with n others count
    /// 1/n, so the sum over forked children is what they really cost together.
    /// </summary>
    public static long ProportionalKib(string smapsRollup) => KibField(smapsRollup, "Pss");

    public static long ResidentKib(string smapsRollup) => KibField(smapsRollup, "Rss");

    /// <summary>
    /// A field (Size, Rss, Pss, Shared_Clean, ...) of one file's mapping in /proc/PID/smaps, in KiB, summed over the
    /// mappings of that file; 0 when the process does not map it.
    /// </summary>
    public static long MappingKib(string smaps, string file, string name)
    {
        long total = 0;
        var inFile = false;
        foreach (var line in smaps.Split('\n'))
        {
            // A mapping's header starts with its address range; its fields follow as "Name: value kB".
            var first = line.Split(' ', 2)[0];
            if (first.Contains('-') && first.All(c => c == '-' || char.IsAsciiHexDigit(c)))
                inFile = line.EndsWith(" " + file, StringComparison.Ordinal);
            else if (inFile && line.StartsWith(name + ":", StringComparison.Ordinal))
                total += long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        return total;
    }

    private static long KibField(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            if (!line.StartsWith(name + ":", StringComparison.Ordinal)) continue;
            var value = line[(name.Length + 1)..].Trim().Split(' ')[0];
            return long.Parse(value, CultureInfo.InvariantCulture);
        }
        throw new FormatException($"no '{name}:' line to read");
    }
}
