using System.Collections.Immutable;
using System.Security.Cryptography;

namespace CloudController.Domain.Vms;

/// <summary>
/// What makes a VM itself on the network and to its OS: machine id (SID on Windows), host name, MAC addresses.
/// A model VM's identity is stripped when it is staged; every deployed VM gets a new one.
/// </summary>
public sealed record VmIdentity(string MachineId, string Hostname, ImmutableArray<string> Macs)
{
    // ImmutableArray compares by reference; identities compare by content.
    public bool Equals(VmIdentity? other) =>
        other is not null && MachineId == other.MachineId && Hostname == other.Hostname && Macs.SequenceEqual(other.Macs);

    public override int GetHashCode() => HashCode.Combine(MachineId, Hostname, Macs.Length);

    /// <summary>A fresh identity: a random machine id and locally administered unicast MACs (never a vendor's).</summary>
    public static VmIdentity Assign(string hostname, int nics = 1) => new(
        Guid.NewGuid().ToString("D"),
        hostname,
        Enumerable.Range(0, nics).Select(_ => NewMac()).ToImmutableArray());

    private static string NewMac()
    {
        var bytes = RandomNumberGenerator.GetBytes(6);
        bytes[0] = (byte)((bytes[0] & 0b1111_1100) | 0b0000_0010); // locally administered, unicast
        return string.Join(":", bytes.Select(b => b.ToString("x2")));
    }
}
