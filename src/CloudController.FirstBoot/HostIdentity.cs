using System.Net;
using System.Net.Sockets;

namespace CloudController.FirstBoot;

/// <summary>The checks a VM's host name and address pass before they go into a certificate, and how they compare.</summary>
internal static class HostIdentity
{
    /// <summary>A DNS name of letters, digits and hyphens, labels of 1-63 characters, 253 at most.</summary>
    public static bool IsHostname(string name) =>
        name.Length is > 0 and <= 253 && name.Split('.').All(label =>
            label.Length is > 0 and <= 63 && label[0] != '-' && label[^1] != '-' && label.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'));

    /// <summary>
    /// A dotted-quad IPv4 or an IPv6 address, as bytes. Stricter than <see cref="IPAddress.TryParse(string, out IPAddress)"/>,
    /// which takes "10" for 0.0.0.10.
    /// </summary>
    public static byte[]? AddressBytes(string ip)
    {
        if (!IPAddress.TryParse(ip, out var address)) return null;
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork when ip.Count(c => c == '.') == 3 => address.GetAddressBytes(),
            AddressFamily.InterNetworkV6 when address.ScopeId == 0 => address.GetAddressBytes(),
            _ => null,
        };
    }
}
