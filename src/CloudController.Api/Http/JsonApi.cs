using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi.Extensions;
using Microsoft.OpenApi.Models;
using Swashbuckle.AspNetCore.Swagger;

namespace CloudController.Api.Http;

/// <summary>
/// The API's HTTP/JSON face: every call that has a <c>google.api.http</c> route in its proto is also served as JSON
/// (gRPC JSON transcoding), through the same interceptors (access check, error mapping), with errors as a
/// <c>google.rpc.Status</c> body; the OpenAPI document of those routes is at <see cref="DocumentPath"/>.
/// </summary>
public static class JsonApi
{
    public const string DocumentPath = "/openapi.json";

    public static IServiceCollection AddJsonApi(this IGrpcServerBuilder grpc)
    {
        // Error details travel as Any: the JSON writer must know their types to print them.
        grpc.AddJsonTranscoding(o => o.TypeRegistry = TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor));
        grpc.Services.AddGrpcSwagger();
        grpc.Services.AddSwaggerGen(o => o.SwaggerDoc("v1", new OpenApiInfo
        {
            Title = "CloudController",
            Version = "v1",
            Description = "Provisioning, pools, hosts and the key pool of a CloudController cluster. Send 'Authorization: Bearer <token>' where access control is on.",
        }));
        return grpc.Services;
    }

    public static IEndpointRouteBuilder MapOpenApiDocument(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(DocumentPath, (ISwaggerProvider swagger) =>
            Results.Text(swagger.GetSwagger("v1").SerializeAsJson(Microsoft.OpenApi.OpenApiSpecVersion.OpenApi3_0), "application/json"));
        return endpoints;
    }
}
