namespace CloudController.Domain.Provisioning;

/// <summary>Optional hardware overrides on top of a model's defaults.</summary>
public sealed record HardwareOverrides(int? CpuCores = null, long? MemoryMib = null, long? DiskGib = null)
{
    public static readonly HardwareOverrides None = new();

    public Resources ApplyTo(Resources defaults) => new(
        CpuCores ?? defaults.CpuCores, MemoryMib ?? defaults.MemoryMib, DiskGib ?? defaults.DiskGib);
}

/// <summary>A request to provision one VM by cloning a catalog model.</summary>
public sealed record ProvisionRequest(string Model, string Hostname, HardwareOverrides Overrides);
