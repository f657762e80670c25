namespace CloudController.Agent.Appliers;

/// <summary>
/// Applies the keys it knows from a VM's whole provisioning data into the guest's file system under a root. Appliers
/// rewrite what they own from the data each time, so a removed key is removed from the guest too, and applying the
/// same generation twice changes nothing.
/// </summary>
public interface IDataApplier
{
    /// <summary>Whether the applier owns this key.</summary>
    bool Owns(string key);

    /// <returns>The keys it could not apply, with why.</returns>
    IReadOnlyDictionary<string, string> Apply(IReadOnlyDictionary<string, string> data, string root);
}
