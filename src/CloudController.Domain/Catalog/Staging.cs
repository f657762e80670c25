using System.Collections.Immutable;

namespace CloudController.Domain.Catalog;

/// <summary>A model made ready to clone: its identity stripped, and the launch steps its clones run on first start.</summary>
public sealed record StagedVm(ModelVm Model, ImmutableArray<string> LaunchSteps);

public static class Staging
{
    /// <summary>The first-start step that gives a clone its own machine id, host name and MACs.</summary>
    public const string AssignIdentity = "assign-identity";

    /// <summary>Stages a model: a staged VM never carries the identity of the machine it was built from.</summary>
    public static StagedVm Stage(ModelVm model) => new(model with { Identity = null }, [AssignIdentity]);
}
