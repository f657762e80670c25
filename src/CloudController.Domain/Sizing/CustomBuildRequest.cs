using System.Collections.Immutable;

namespace CloudController.Domain.Sizing;

/// <summary>A VM built to order: hardware, OS and apps chosen separately (the apps installed at deploy).</summary>
public sealed record CustomBuildRequest(string Os, ImmutableArray<string> Apps, Resources Hardware);
