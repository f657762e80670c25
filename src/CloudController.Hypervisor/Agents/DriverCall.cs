using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CloudController.Hypervisor.Agents;

/// <summary>
/// One driver operation as the host agent protocol carries it: the method's name and each argument as JSON of the
/// seam's own records, and back its result as JSON or the driver's refusal.
/// </summary>
public static class DriverCall
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>A driver's refusal, as the caller rethrows it.</summary>
    public sealed record Refusal(DriverOperation Operation, string HostId, string Reason);

    /// <summary>The seam's operations, and the halves of a migration or a copy between machines (a driver may lack those).</summary>
    private static readonly Dictionary<string, MethodInfo> Operations = typeof(IHypervisorDriver).GetMethods()
        .Concat(typeof(IMachineMigration).GetMethods()).Concat(typeof(IMachineCopy).GetMethods())
        .Where(m => typeof(Task).IsAssignableFrom(m.ReturnType))
        .ToDictionary(m => m.Name, StringComparer.Ordinal);

    /// <summary>
    /// Runs the named operation on a local driver: the JSON result (null for none), or the refusal. An unknown
    /// operation or arguments that do not fit are an <see cref="ArgumentException"/>.
    /// </summary>
    public static async Task<(string? Result, Refusal? Refused)> InvokeAsync(
        IHypervisorDriver driver, string method, IReadOnlyList<string> arguments, CancellationToken ct)
    {
        if (!Operations.TryGetValue(method, out var operation)) throw new ArgumentException($"operation: '{method}' is not a driver operation.");
        var parameters = operation.GetParameters();
        if (arguments.Count != parameters.Length - 1)
            throw new ArgumentException($"arguments_json: {method} takes {parameters.Length - 1} arguments, not {arguments.Count}.");
        object?[] values;
        try
        {
            values = parameters.Select((p, i) => p.ParameterType == typeof(CancellationToken) ? ct : JsonSerializer.Deserialize(arguments[i], p.ParameterType, Json)).ToArray();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"arguments_json: an argument of {method} is not the JSON of its record ({e.Message}).", e);
        }
        if (!operation.DeclaringType!.IsInstanceOfType(driver))
        {
            return (null, new Refusal(Enum.Parse<DriverOperation>(method[..^"Async".Length]), "*", operation.DeclaringType == typeof(IMachineCopy)
                ? $"this agent's driver ({driver.Name}) cannot copy a VM to or from another machine; choose a target host of the same agent"
                : $"this agent's driver ({driver.Name}) cannot migrate to or from another machine; use the QEMU driver on both machines"));
        }
        try
        {
            var task = (Task)operation.Invoke(driver, values)!;
            await task;
            if (!operation.ReturnType.IsGenericType) return (null, null);
            var result = operation.ReturnType.GetProperty(nameof(Task<object>.Result))!.GetValue(task);
            return (JsonSerializer.Serialize(result, operation.ReturnType.GetGenericArguments()[0], Json), null);
        }
        catch (HypervisorException e)
        {
            return (null, new Refusal(e.Operation, e.HostId, e.Reason));
        }
    }
}
