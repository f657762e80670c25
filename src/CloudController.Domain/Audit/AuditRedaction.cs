using System.Collections.Frozen;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Audit;

/// <summary>
/// What of a request the audit trail keeps: the ids and names it named (a VM's id, a hostname, a pool, an owner), as
/// "field=value"; of a map (provisioning data, answers, labels) only the keys, never the values; nothing of any other
/// field, and nothing at all of a field whose name says it holds a secret. A request naming many things (a bulk
/// provisioning) keeps the first <see cref="MaxIds"/> and the count of the rest.
/// </summary>
public static class AuditRedaction
{
    public const int MaxIds = 20;

    private const int MaxValueLength = 128;

    private static readonly FrozenSet<string> IdFields = FrozenSet.ToFrozenSet(
        ["id", "ids", "name", "names", "hostname", "hostnames", "owner", "model", "template", "host", "pool", "network", "address", "user",
         "storage_pool", "target_host", "group", "instant_image"], StringComparer.Ordinal);

    private static readonly string[] SecretWords = ["token", "secret", "password", "key", "credential", "certificate", "private", "data", "answer", "value"];

    /// <summary>Whether a string field (by its last name, e.g. "vm_id") names something the trail keeps.</summary>
    public static bool IsId(string field) =>
        !MayHoldSecret(field) &&
        (IdFields.Contains(field) || field.EndsWith("_id", StringComparison.Ordinal) || field.EndsWith("_ids", StringComparison.Ordinal) ||
         field.EndsWith("_name", StringComparison.Ordinal) || field.EndsWith("_names", StringComparison.Ordinal));

    /// <summary>Whether a field's name says its value may be a secret: never kept, whatever else it is.</summary>
    public static bool MayHoldSecret(string field) => SecretWords.Any(w => field.Contains(w, StringComparison.OrdinalIgnoreCase));

    /// <summary>"path=value" for an id field's value (printable, shortened); null for anything else or an empty value.</summary>
    /// <param name="path">The field's path in the request, e.g. "vm_id" or "network.name".</param>
    public static string? Named(string path, string value)
    {
        var field = path[(path.LastIndexOf('.') + 1)..];
        return value.Length == 0 || !IsId(field) ? null : $"{path}={HostnameRules.Printable(value, MaxValueLength)}";
    }

    /// <summary>"path[k1,k2]" for a map field: its keys only, never a value; null for an empty map.</summary>
    public static string? Keys(string path, IEnumerable<string> keys)
    {
        var list = keys.Select(k => HostnameRules.Printable(k, MaxValueLength)).Order(StringComparer.Ordinal).ToList();
        return list.Count == 0 ? null : $"{path}[{string.Join(",", list)}]";
    }

    /// <summary>At most <see cref="MaxIds"/> of them, the rest counted.</summary>
    public static IReadOnlyList<string> Bounded(IReadOnlyList<string> ids) =>
        ids.Count <= MaxIds ? ids : [.. ids.Take(MaxIds), $"(and {ids.Count - MaxIds} more)"];
}
