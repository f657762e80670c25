using System.Text.Json;
using CloudController.Hypervisor;
using CloudController.Hypervisor.Remote;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CloudController.Node;

/// <summary>
/// `CloudController.Node fleet`: serves a driver's hosts (the simulated fleet) over HTTP, without a controller, so
/// that several nodes (driver kind remote) share them, as the nodes of a real cluster share real hosts.
/// </summary>
public static class FleetHost
{
    public const string EndpointKey = "cloudcontroller.driver.fleet-endpoint";

    public static async Task<int> RunAsync(NodeOptions options, CancellationToken ct = default)
    {
        var config = NodeConfiguration.Load(options);
        if (config.GetString(EndpointKey, "") is not { Length: > 0 } endpoint)
        {
            Console.Error.WriteLine($"Serving a fleet needs where: --set {EndpointKey}=http://127.0.0.1:5500");
            return 2;
        }
        var driver = DriverFactory.Create(config);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(endpoint);
        var app = builder.Build();
        app.MapGet("/driver", () => Results.Json(new DriverCall.Description(driver.Name, driver.Capabilities), DriverCall.Json));
        app.MapPost("/driver/{method}", async (string method, JsonElement[] arguments, CancellationToken requestAborted) =>
        {
            var (result, refused) = await DriverCall.InvokeAsync(driver, method, arguments, requestAborted);
            if (refused is not null) return Results.Json(refused, DriverCall.Json, statusCode: StatusCodes.Status409Conflict);
            return result is { } value ? Results.Json(value, DriverCall.Json) : Results.NoContent();
        });
        await app.StartAsync(ct);
        Console.WriteLine($"Serving {driver.Name} at {endpoint}");
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}
