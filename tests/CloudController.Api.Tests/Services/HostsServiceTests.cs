using Akka.Actor;
using Akka.TestKit;
using CloudController.Api.Services;
using CloudController.Api.V1;
using CloudController.Cluster.Fleet;
using CloudController.Cluster.Hosts;
using Resources = CloudController.Domain.Resources;
using CloudController.Domain.Fleet;
using HostStateChange = CloudController.Domain.Fleet.HostStateChange;
using Grpc.Core;
using Xunit.Abstractions;

namespace CloudController.Api.Tests.Services;

/// <summary>A host state change answers with the host as the fleet view shows it after the change, or says the view is behind.</summary>
public class HostsServiceTests(ITestOutputHelper output) : ServiceTestKit(output, accessControl: false)
{
    private static HostSnapshot Host(HostState state) => new("host-a", state, "general", [], new Resources(8, 16384, 500),
        new Resources(0, 0, 0), new Resources(0, 0, 0), 0, 0, 0, DateTimeOffset.UnixEpoch);

    /// <summary>The host applies every change; the fleet view shows it changed only after <paramref name="staleReads"/> reads.</summary>
    private void FleetCatchingUpAfter(int staleReads)
    {
        var reads = 0;
        Cluster.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            switch (message)
            {
                case FleetViewProtocol.ListHosts:
                    // The first read is the service checking that the host exists, before any change.
                    sender.Tell(new FleetViewProtocol.Hosts([Host(reads++ <= staleReads ? HostState.Active : HostState.Maintenance)]));
                    break;
                case HostProtocol.SetHostState set:
                    sender.Tell(new HostProtocol.HostApplied(set.HostId));
                    break;
            }
            return AutoPilot.KeepRunning;
        }));
    }

    [Fact]
    public async Task A_host_is_shown_with_its_state_history_from_its_ledger()
    {
        var at = DateTimeOffset.UnixEpoch.AddDays(1);
        Cluster.SetAutoPilot(new DelegateAutoPilot((sender, message) =>
        {
            switch (message)
            {
                case FleetViewProtocol.ListHosts:
                    sender.Tell(new FleetViewProtocol.Hosts([Host(HostState.Active)]));
                    break;
                case HostProtocol.GetHostHistory get:
                    sender.Tell(new HostProtocol.HostHistory(get.HostId,
                        [new HostStateChange(at, "maintenance", "firmware", "alice"), new HostStateChange(at.AddHours(1), "active", "done", null)]));
                    break;
            }
            return AutoPilot.KeepRunning;
        }));

        var host = await new HostsService(Actors).GetHost(new GetHostRequest { Id = "host-a" }, new TestCallContext("/cloudcontroller.v1.Hosts/GetHost"));

        Assert.Equal(["maintenance", "active"], host.StateHistory.Select(c => c.State));
        Assert.Equal(("firmware", "alice", at), (host.StateHistory[0].Reason, host.StateHistory[0].By, host.StateHistory[0].At.ToDateTimeOffset()));
        Assert.Equal("", host.StateHistory[1].By);
    }

    [Fact]
    public async Task A_change_answers_with_the_host_once_the_fleet_view_shows_it()
    {
        FleetCatchingUpAfter(staleReads: 3);
        var host = await new HostsService(Actors).SetHostState(new SetHostStateRequest { Id = "host-a", State = "maintenance" },
            new TestCallContext("/cloudcontroller.v1.Hosts/SetHostState"));
        Assert.Equal("maintenance", host.State.ToLowerInvariant());
    }

    [Fact]
    public async Task A_fleet_view_still_behind_at_the_deadline_is_an_error_not_the_stale_host()
    {
        FleetCatchingUpAfter(staleReads: int.MaxValue);
        var e = await Assert.ThrowsAsync<RpcException>(() => new HostsService(Actors).SetHostState(
            new SetHostStateRequest { Id = "host-a", State = "maintenance" }, new TestCallContext("/cloudcontroller.v1.Hosts/SetHostState")));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("host host-a applied the state maintenance, but the fleet view still shows it active after 5s; the change is kept: " +
                     "check with `ccm hosts show host-a`", e.Status.Detail);
    }
}
