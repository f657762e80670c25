namespace CloudController.Cluster.Serialization;

/// <summary>
/// The manifest a renamed message keeps on the wire and in journals: its name before the rename, so that nodes of
/// both versions, and journals written before, still read it. The C# name may change; this one never does.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WireNameAttribute(string manifest) : Attribute
{
    public string Manifest { get; } = manifest;
}
