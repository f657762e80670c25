using System.Net;
using System.Net.Sockets;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Networking;

/// <summary>
/// An inclusive range of IPv4 addresses, written <c>10.0.0.10-10.0.0.59</c> or as a CIDR block <c>10.0.0.0/24</c>
/// (whose network and broadcast addresses are left out). Addresses are handed out lowest first.
/// </summary>
public sealed record Ipv4Range(uint First, uint Last)
{
    /// <summary>Longer ranges are almost always a typo, and would make "lowest free" scans pointless.</summary>
    public const long MaxSize = 1 << 20;

    public long Count => (long)Last - First + 1;

    public static (Ipv4Range? Range, string? Problem) Parse(string text)
    {
        text = text.Trim();
        if (text.Contains('/'))
        {
            var parts = text.Split('/');
            if (parts.Length != 2 || Address(parts[0]) is not { } network || !int.TryParse(parts[1], out var bits) || bits is < 8 or > 30)
                return (null, $"'{HostnameRules.Printable(text)}' is not a CIDR block like 10.0.0.0/24 (prefix 8-30)");
            var mask = bits == 0 ? 0u : uint.MaxValue << (32 - bits);
            if ((network & ~mask) != 0) return (null, $"'{HostnameRules.Printable(text)}' has host bits set; the block starts at {Format(network & mask)}/{bits}");
            return Checked(new Ipv4Range(network + 1, (network | ~mask) - 1), text);
        }
        var ends = text.Split('-');
        if (ends.Length != 2 || Address(ends[0]) is not { } first || Address(ends[1]) is not { } last)
            return (null, $"'{HostnameRules.Printable(text)}' is not a range like 10.0.0.10-10.0.0.59");
        if (last < first) return (null, $"'{HostnameRules.Printable(text)}' ends before it starts");
        return Checked(new Ipv4Range(first, last), text);
    }

    public bool Contains(uint address) => address >= First && address <= Last;

    public static uint? Address(string text) =>
        IPAddress.TryParse(text.Trim(), out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') == 3
            ? (uint)IPAddress.NetworkToHostOrder(BitConverter.ToInt32(ip.GetAddressBytes()))
            : null;

    public static string Format(uint address) => $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}";

    public override string ToString() => $"{Format(First)}-{Format(Last)}";

    private static (Ipv4Range?, string?) Checked(Ipv4Range range, string text) =>
        range.Count > MaxSize ? (null, $"'{HostnameRules.Printable(text)}' holds {range.Count} addresses; at most {MaxSize} are allowed") : (range, null);
}
