using System.Collections.Immutable;

namespace CloudController.Domain.Disks;

/// <summary>One thing to do to get a clone's disk onto a host.</summary>
public abstract record DiskAction
{
    /// <summary>Use the layer where it is (shared storage).</summary>
    public sealed record Link(string LayerId) : DiskAction;

    /// <summary>Copy the layer to the host's datastore under a host-local id.</summary>
    public sealed record CopyToHost(string LayerId, string LocalLayerId) : DiskAction;

    /// <summary>Flatten the whole chain below the top into one new base on the host.</summary>
    public sealed record Flatten(ImmutableArray<string> ChainLayerIds, string LocalLayerId) : DiskAction;

    /// <summary>Create the clone's own copy-on-write top layer over <paramref name="ParentLayerId"/>.</summary>
    public sealed record CreateTop(string LayerId, string ParentLayerId) : DiskAction;
}

/// <summary>
/// Plans a clone's disk on a host for each layout, from the source chain (outermost first, base last) and what the
/// host already holds. Copying is what costs; the plan says what would be copied, so layouts can be compared.
/// </summary>
public static class DiskPlan
{
    public static ImmutableArray<DiskAction> For(
        DiskLayout layout, ImmutableArray<DiskLayer> sourceChain, string hostId, string newTopLayerId, DiskLayerStore onHost)
    {
        if (sourceChain.IsEmpty) throw new ArgumentException("a clone needs a source chain", nameof(sourceChain));
        var top = sourceChain[0];
        switch (layout)
        {
            case DiskLayout.SharedInnerLayers:
                return [.. sourceChain.Reverse().Select(l => (DiskAction)new DiskAction.Link(l.LayerId)), new DiskAction.CreateTop(newTopLayerId, top.LayerId)];
            case DiskLayout.FullCopy:
                var flat = FlatLayerId(newTopLayerId);
                return [new DiskAction.Flatten(sourceChain.Select(l => l.LayerId).ToImmutableArray(), flat), new DiskAction.CreateTop(newTopLayerId, flat)];
            default:
                // Each layer is copied once per host and reused by every later clone there; the copy keeps its parent.
                var actions = ImmutableArray.CreateBuilder<DiskAction>();
                foreach (var layer in sourceChain.Reverse())
                {
                    var local = CachedId(layer.LayerId, hostId);
                    actions.Add(onHost.Layers.ContainsKey(local) ? new DiskAction.Link(local) : new DiskAction.CopyToHost(layer.LayerId, local));
                }
                actions.Add(new DiskAction.CreateTop(newTopLayerId, CachedId(top.LayerId, hostId)));
                return actions.ToImmutable();
        }
    }

    /// <summary>GiB copied by a plan: what a layout costs for this clone.</summary>
    public static long CopiedGib(ImmutableArray<DiskAction> plan, ImmutableArray<DiskLayer> sourceChain)
    {
        var byId = sourceChain.ToDictionary(l => l.LayerId);
        return plan.Sum(a => a switch
        {
            DiskAction.CopyToHost c => byId[c.LayerId].AllocatedGib,
            DiskAction.Flatten f => f.ChainLayerIds.Sum(id => byId[id].AllocatedGib),
            _ => 0L,
        });
    }

    public static string CachedId(string layerId, string hostId) => $"{layerId}@{hostId}";

    public static string FlatLayerId(string topLayerId) => $"{topLayerId}-flat";

    /// <summary>The layers a clone owns alone, top first: what deleting it (or undoing its clone) removes.</summary>
    public static ImmutableArray<string> PrivateLayerIds(DiskLayout layout, string topLayerId) =>
        layout == DiskLayout.FullCopy ? [topLayerId, FlatLayerId(topLayerId)] : [topLayerId];
}
