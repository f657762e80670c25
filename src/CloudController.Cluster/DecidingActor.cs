using Akka.Actor;
using CloudController.Domain;

namespace CloudController.Cluster;

/// <summary>
/// The one way an entity answers a command its Domain object decided on: a refusal goes back in the protocol's own
/// refusal, nothing to do is answered at once, an event is recorded (journaled and applied) and only then answered.
/// </summary>
public abstract class DecidingActor : RecordingActor
{
    /// <summary>The refusal of the entity's protocol, carrying the Domain's reason.</summary>
    protected abstract object Refusal(string reason);

    protected void Decide(Decision decision, Func<object> reply, Action? then = null)
    {
        if (decision.Refusal is { } reason)
        {
            Sender.Tell(Refusal(reason));
            return;
        }
        if (decision.Event is not { } e)
        {
            Sender.Tell(reply());
            return;
        }
        var replyTo = Sender;
        Record(e, () =>
        {
            replyTo.Tell(reply());
            then?.Invoke();
        });
    }
}
