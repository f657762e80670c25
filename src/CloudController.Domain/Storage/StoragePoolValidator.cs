using CloudController.Domain.Validation;

namespace CloudController.Domain.Storage;

/// <summary>Checks a storage pool definition, reporting every bad field with its fix.</summary>
public static class StoragePoolValidator
{
    public const double MaxOvercommit = 4.0;

    public static IReadOnlyList<FieldError> Validate(StoragePool pool)
    {
        var errors = new List<FieldError>();
        if (HostnameRules.CatalogNameProblem(pool.Id) is { } name)
            errors.Add(new FieldError("id", $"the pool id {name}", "use lower-case letters, digits and '-', e.g. web-storage"));
        if (pool.Datastores.IsDefaultOrEmpty) errors.Add(new FieldError("datastores", "the pool has no datastore", "give at least one"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (pool.Datastores.IsDefault ? 0 : pool.Datastores.Length); i++)
        {
            var d = pool.Datastores[i];
            if (HostnameRules.CatalogNameProblem(d.Id) is { } id) errors.Add(new FieldError($"datastores[{i}].id", $"the id {id}", "use e.g. ssd-01"));
            else if (!seen.Add(d.Id)) errors.Add(new FieldError($"datastores[{i}].id", $"{d.Id} is listed twice", "list each datastore once"));
            if (d.CapacityGib <= 0) errors.Add(new FieldError($"datastores[{i}].capacityGib", $"is {d.CapacityGib}", "give the datastore's size in GiB"));
            if (d.Kind == DatastoreKind.Local && string.IsNullOrWhiteSpace(d.HostId))
                errors.Add(new FieldError($"datastores[{i}].hostId", "a local datastore names no host", "name the host it is on, or make it shared"));
        }
        if (double.IsNaN(pool.OvercommitRatio) || pool.OvercommitRatio < 1.0 || pool.OvercommitRatio > MaxOvercommit)
            errors.Add(new FieldError("overcommitRatio", $"is {pool.OvercommitRatio}", $"use 1.0 (none) to {MaxOvercommit}"));
        if (pool.Policy == AllocationPolicy.Baseline && pool.BaselineGib <= 0)
            errors.Add(new FieldError("baselineGib", $"is {pool.BaselineGib}", "give each VM's baseline in GiB, e.g. 10"));
        foreach (var (role, weight) in pool.RoleWeights.Where(r => !(r.Value > 0)))
            errors.Add(new FieldError($"roleWeights[{role}]", $"is {weight}", "give a positive weight, e.g. 2 for twice the share"));
        return errors;
    }
}
