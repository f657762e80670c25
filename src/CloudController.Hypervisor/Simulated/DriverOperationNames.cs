namespace CloudController.Hypervisor.Simulated;

/// <summary>Maps configuration names such as <c>create-disk-layer</c> to <see cref="DriverOperation"/>s.</summary>
public static class DriverOperationNames
{
    public static DriverOperation Parse(string name)
    {
        var compact = name.Replace("-", "", StringComparison.Ordinal);
        return Enum.TryParse<DriverOperation>(compact, ignoreCase: true, out var operation) && Enum.IsDefined(operation)
            ? operation
            : throw new ArgumentException(
                $"Unknown driver operation '{name}'. Known: {string.Join(", ", Enum.GetValues<DriverOperation>().Select(ToName))}.");
    }

    public static string ToName(DriverOperation operation) =>
        string.Concat(operation.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
