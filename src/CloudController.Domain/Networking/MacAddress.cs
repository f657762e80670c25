using System.Security.Cryptography;
using System.Text;

namespace CloudController.Domain.Networking;

/// <summary>
/// MAC addresses for VMs: locally administered, unicast (first octet 02), derived from what names the VM, so that a
/// repeated step after a crash gives the same address and two different VMs practically never share one.
/// </summary>
public static class MacAddress
{
    public static string For(string owner, long index)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{owner}\n{index}"));
        return $"02:{hash[0]:x2}:{hash[1]:x2}:{hash[2]:x2}:{hash[3]:x2}:{hash[4]:x2}";
    }
}
