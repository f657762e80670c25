namespace CloudController.Domain.Pools;

/// <summary>
/// How an autoscaler names a pool's child: <c>cloudcontroller://POOL/CHILD</c> (Kubernetes' node.spec.providerID
/// form, <c>&lt;provider&gt;://&lt;id&gt;</c>). A child the pool cannot fork yet, for want of room, stands in as
/// <c>cloudcontroller://POOL/unfulfilled-N</c>, so that the autoscaler sees the shortfall as a failed instance.
/// </summary>
public sealed record ProviderId(string Pool, string Child)
{
    public const string Scheme = "cloudcontroller://";
    private const string UnfulfilledPrefix = "unfulfilled-";

    public bool IsUnfulfilled => Child.StartsWith(UnfulfilledPrefix, StringComparison.Ordinal);

    public static ProviderId Unfulfilled(string pool, int number) => new(pool, UnfulfilledPrefix + number);

    /// <summary>The id, or null when the text is not one of ours (another cloud's node, or malformed).</summary>
    public static ProviderId? Parse(string? text)
    {
        if (text is null || !text.StartsWith(Scheme, StringComparison.Ordinal)) return null;
        var rest = text[Scheme.Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1 || rest.IndexOf('/', slash + 1) >= 0) return null;
        return new ProviderId(rest[..slash], rest[(slash + 1)..]);
    }

    public override string ToString() => $"{Scheme}{Pool}/{Child}";
}
