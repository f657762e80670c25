using CloudController.Api.Access;
using CloudController.Api.Errors;
using CloudController.Api.Http;
using CloudController.Api.Metrics;
using CloudController.Api.Services;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CloudController.Api;

/// <summary>Registers and maps the controller's gRPC services.</summary>
public static class ApiEndpoints
{
    public static IServiceCollection AddControllerApi(this IServiceCollection services)
    {
        services.AddGrpc(o =>
        {
            // Outermost: it counts each call with the status it was finally answered with.
            o.Interceptors.Add<CallCounting>();
            // Outside the error mapping and the access check, so that it records the status a caller was answered with.
            o.Interceptors.Add<Audit.AuditRecording>();
            o.Interceptors.Add<ClusterErrorInterceptor>();
            // After the error mapping, so that a refused call is answered with its own status, not Unavailable.
            o.Interceptors.Add<AccessCheck>();
            // Requests are small; a bigger one is a mistake or an attack.
            o.MaxReceiveMessageSize = 4 * 1024 * 1024;
        }).AddJsonApi();
        services.AddGrpcReflection();
        services.AddSingleton<ControllerActors>();
        services.AddSingleton<ScrapeGauges>();
        services.AddSingleton(provider => new Cluster.Vms.GuestChannel(
            provider.GetRequiredService<Hypervisor.IHypervisorDriver>(), provider.GetRequiredService<Cluster.Hosting.ControllerSecrets>()));
        services.AddSingleton(provider => new Cluster.Vms.GuestDataWatchers(provider.GetRequiredService<Akka.Actor.ActorSystem>()));
        return services;
    }

    public static IEndpointRouteBuilder MapControllerApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<CatalogService>();
        endpoints.MapGrpcService<HostsService>();
        endpoints.MapGrpcService<ProvisioningService>();
        endpoints.MapGrpcService<VmsService>();
        endpoints.MapGrpcService<AdvisorService>();
        endpoints.MapGrpcService<PoolsService>();
        endpoints.MapGrpcService<ActivationService>();
        endpoints.MapGrpcService<KeyPoolService>();
        endpoints.MapGrpcService<GuestChannelService>();
        endpoints.MapGrpcService<StorageService>();
        endpoints.MapGrpcService<AccessService>();
        endpoints.MapGrpcService<UsageService>();
        endpoints.MapGrpcService<Autoscaling.CloudProviderService>();
        endpoints.MapGrpcService<AdminService>();
        endpoints.MapGrpcService<HostJoinService>();
        endpoints.MapGrpcService<AuditService>();
        endpoints.MapGrpcService<QuotaService>();
        endpoints.MapGrpcReflectionService();
        endpoints.MapOpenApiDocument();
        return endpoints;
    }
}
