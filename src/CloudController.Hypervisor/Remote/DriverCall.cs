using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudController.Hypervisor.Remote;

/// <summary>
/// One driver operation carried over HTTP: its method name and arguments as JSON, and back its result or the
/// driver's refusal. The wire form of <see cref="RemoteDriver"/> and of the fleet a node serves for others.
/// </summary>
public static class DriverCall
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>A driver's refusal, as the caller rethrows it.</summary>
    public sealed record Refusal(DriverOperation Operation, string HostId, string Reason);

    /// <summary>What a driver is, for a remote caller that has to say the same.</summary>
    public sealed record Description(string Name, DriverCapabilities Capabilities);

    private static readonly Dictionary<string, MethodInfo> Operations = typeof(IHypervisorDriver).GetMethods()
        .Where(m => typeof(Task).IsAssignableFrom(m.ReturnType))
        .ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>Runs the named operation on a local driver: the JSON result (null for none), or the refusal.</summary>
    public static async Task<(JsonElement? Result, Refusal? Refused)> InvokeAsync(
        IHypervisorDriver driver, string method, JsonElement[] arguments, CancellationToken ct)
    {
        if (!Operations.TryGetValue(method, out var operation)) throw new ArgumentException($"'{method}' is not a driver operation.");
        var parameters = operation.GetParameters();
        if (arguments.Length != parameters.Length - 1)
            throw new ArgumentException($"{method} takes {parameters.Length - 1} arguments, not {arguments.Length}.");
        var values = parameters.Select((p, i) => p.ParameterType == typeof(CancellationToken) ? ct : arguments[i].Deserialize(p.ParameterType, Json)).ToArray();
        try
        {
            var task = (Task)operation.Invoke(driver, values)!;
            await task;
            if (!operation.ReturnType.IsGenericType) return (null, null);
            var result = operation.ReturnType.GetProperty(nameof(Task<object>.Result))!.GetValue(task);
            return (JsonSerializer.SerializeToElement(result, operation.ReturnType.GetGenericArguments()[0], Json), null);
        }
        catch (HypervisorException e)
        {
            return (null, new Refusal(e.Operation, e.HostId, e.Message));
        }
    }
}
