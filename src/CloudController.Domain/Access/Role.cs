namespace CloudController.Domain.Access;

/// <summary>What a user or service account may do; each role may do everything the roles below it may.</summary>
public enum Role
{
    /// <summary>Reads: listings, statuses, watches, explanations.</summary>
    Viewer = 1,

    /// <summary>Provisions and manages VMs, networks and pools.</summary>
    Provisioner = 2,

    /// <summary>Everything: the catalog, hosts, storage, replicas, users.</summary>
    Administrator = 3,
}
