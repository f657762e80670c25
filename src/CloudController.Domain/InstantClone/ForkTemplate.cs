using System.Collections.Immutable;

namespace CloudController.Domain.InstantClone;

/// <summary>
/// A customization applied once to a template's replica, before it is quiesced for forking: the kind that needs
/// reboots (adding and formatting data or disposable disks, redirecting profiles and temp files, adding controllers),
/// which children must never repeat.
/// </summary>
public sealed record ParentCustomization(string Name, int Reboots, string Detail = "");

/// <summary>
/// What children are forked from: a catalog model, the hardware every child shares with its parent (a fork has its
/// parent's memory size), the memory each child is expected to write of its own, and the parent's customizations.
/// </summary>
public sealed record ForkTemplate(
    string Name,
    string Model,
    string DiskImage,
    long DiskImageGib,
    Resources Hardware,
    long ChildPrivateMemoryMib,
    ImmutableArray<ParentCustomization> Customizations)
{
    public ImmutableArray<ParentCustomization> Customizations { get; init; } = Customizations.IsDefault ? [] : Customizations;

    /// <summary>What one child holds of its host: its cores, the memory it writes of its own, its fresh disk layer.</summary>
    public Resources ChildCost(long copyOnWriteInitialGib) => new(Hardware.CpuCores, ChildPrivateMemoryMib, copyOnWriteInitialGib);

    /// <summary>What the replica holds of its host: all its memory (shared by its children) and its disk.</summary>
    public Resources ReplicaCost => Hardware;

    public bool Equals(ForkTemplate? other) =>
        other is not null && Name == other.Name && Model == other.Model && DiskImage == other.DiskImage &&
        DiskImageGib == other.DiskImageGib && Hardware == other.Hardware && ChildPrivateMemoryMib == other.ChildPrivateMemoryMib &&
        Customizations.SequenceEqual(other.Customizations);

    public override int GetHashCode() => HashCode.Combine(Name, Model, Hardware);
}
