namespace CloudController.Domain.Catalog;

/// <summary>
/// A fully configured VM kept suspended (its saved memory and device state plus its disk layer) for instant deploy:
/// deploying copies it to a host of the same hardware class and resumes it, seconds instead of a boot.
/// </summary>
public sealed record InstantImage(
    string Name,
    string Model,
    string HardwareClass,
    string SourceHostId,
    string SourceVmId,
    Resources Hardware,
    string BaseImage,
    long BaseImageGib,
    DateTimeOffset CreatedAt);

public sealed record InstantImageRegistered(InstantImage Image) : IDomainEvent;

public sealed record InstantImageRemoved(string Name) : IDomainEvent;
