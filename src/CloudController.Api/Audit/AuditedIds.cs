using CloudController.Domain.Audit;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.Reflection;

namespace CloudController.Api.Audit;

/// <summary>The ids and names a request names, walked field by field; what of each is kept is <see cref="AuditRedaction"/>'s decision.</summary>
public static class AuditedIds
{
    private const int MaxDepth = 4;

    public static IReadOnlyList<string> Of(object request)
    {
        var ids = new List<string>();
        if (request is IMessage message) Walk(message, "", ids, 0);
        return AuditRedaction.Bounded(ids);
    }

    private static void Walk(IMessage message, string prefix, List<string> ids, int depth)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var path = prefix + field.Name;
            var value = field.Accessor.GetValue(message);
            if (field.IsMap)
            {
                if (value is System.Collections.IDictionary map && AuditRedaction.Keys(path, map.Keys.Cast<object>().Select(k => k.ToString() ?? "")) is { } keys)
                    ids.Add(keys);
            }
            else if (field.IsRepeated)
            {
                foreach (var item in (System.Collections.IEnumerable)value) Add(field, path, item, ids, depth);
            }
            else if (field.FieldType != FieldType.Message || field.Accessor.HasValue(message))
            {
                Add(field, path, value, ids, depth);
            }
        }
    }

    private static void Add(FieldDescriptor field, string path, object? value, List<string> ids, int depth)
    {
        switch (value)
        {
            case string text when AuditRedaction.Named(path, text) is { } named:
                ids.Add(named);
                break;
            // Nested requests (a network's members, a pool's template) name things too; never below a secret's field.
            case IMessage nested when depth < MaxDepth && !AuditRedaction.MayHoldSecret(field.Name):
                Walk(nested, path + ".", ids, depth + 1);
                break;
        }
    }
}
