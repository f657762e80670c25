using System.Security.Cryptography;

namespace CloudController.Api.Services;

/// <summary>
/// New ids for tasks and VMs: a kind prefix and 64 random bits in hex, short enough to type and never reused,
/// because an id is also the persistence id of the entity's journal.
/// </summary>
public static class ResourceIds
{
    public static string NewTaskId() => New("task");

    public static string NewVmId() => New("vm");

    private static string New(string prefix) =>
        $"{prefix}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}";
}
