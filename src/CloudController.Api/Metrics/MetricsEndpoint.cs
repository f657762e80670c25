using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace CloudController.Api.Metrics;

/// <summary>`/metrics`: the node's figures in Prometheus' text exposition format, the actors' gauges read first.</summary>
public static class MetricsEndpoint
{
    public static IEndpointRouteBuilder MapControllerMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/metrics", async (HttpContext http, ScrapeGauges gauges) =>
        {
            var ct = http.RequestAborted;
            try
            {
                await gauges.UpdateAsync(ct);
            }
            catch (Exception e) when (e is TimeoutException or Akka.Actor.AskTimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // A busy or re-forming cluster: the counters are still worth having, with the gauges' last values.
            }
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(http.Response.Body, ct);
        });
        return endpoints;
    }
}
