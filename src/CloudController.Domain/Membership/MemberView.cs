namespace CloudController.Domain.Membership;

/// <summary>A cluster member as this node sees it: enough to decide whether an operator's leave or down may go ahead.</summary>
/// <param name="Address">The member's full address, akka.tcp://system@host:port.</param>
/// <param name="Status">Akka's member status: Joining, WeaklyUp, Up, Leaving, Exiting, Down, Removed.</param>
/// <param name="Reachable">Whether the failure detector of every member still hears it.</param>
public sealed record MemberView(string Address, string Status, bool Reachable);
