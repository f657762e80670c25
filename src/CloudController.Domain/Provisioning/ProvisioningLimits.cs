namespace CloudController.Domain.Provisioning;

/// <summary>
/// Hard limits on a single VM, far above any real host (so they never refuse a real request) but low enough that
/// arithmetic on sums of them cannot overflow and that a typo such as an extra zero is caught at the edge.
/// </summary>
public static class ProvisioningLimits
{
    public const int MaxCpuCores = 512;

    /// <summary>16 TiB.</summary>
    public const long MaxMemoryMib = 16L * 1024 * 1024;

    /// <summary>64 TiB.</summary>
    public const long MaxDiskGib = 64L * 1024;

    public const int MaxApps = 64;

    public const int MaxNameLength = 128;
}
