using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using CloudController.Api.Services;
using CloudController.Cluster.Hosting;
using Xunit.Abstractions;

namespace CloudController.Api.Tests;

/// <summary>
/// Services and interceptors against a cluster that is one probe: every region and singleton the API asks is
/// <see cref="Cluster"/>, so a test sees each question the service asks and chooses the answer.
/// </summary>
public abstract class ServiceTestKit : TestKit
{
    protected ServiceTestKit(ITestOutputHelper output, bool accessControl) : base(output: output)
    {
        Cluster = CreateTestProbe("cluster");
        SecretsDirectory = Directory.CreateTempSubdirectory("cc-api-").FullName;
        var config = ConfigurationFactory.ParseString($"""
            cloudcontroller.access.enabled = {(accessControl ? "on" : "off")}
            cloudcontroller.key-pool.secrets-dir = "{SecretsDirectory}"
            cloudcontroller.cluster.ask-timeout = 5s
            """).WithFallback(AkkaControllerExtensions.ReferenceConfig);
        Settings = ControllerSettings.FromConfig(config);
        Actors = NewActors(Cluster.Ref, Sys, Settings);
    }

    protected TestProbe Cluster { get; }

    protected string SecretsDirectory { get; }

    protected ControllerSettings Settings { get; }

    protected ControllerActors Actors { get; }

    /// <summary>Answers the next message the service sends with <paramref name="reply"/>, and returns that message.</summary>
    protected T Answer<T>(object reply)
    {
        var asked = Cluster.ExpectMsg<T>();
        Cluster.Reply(reply);
        return asked;
    }

    protected override void AfterAll()
    {
        base.AfterAll();
        Directory.Delete(SecretsDirectory, recursive: true);
    }

    private static ControllerActors NewActors(IActorRef cluster, ActorSystem system, ControllerSettings settings)
    {
        // ControllerActors takes one IRequiredActor<T> per region and singleton; each gets the probe.
        var constructor = typeof(ControllerActors).GetConstructors().Single();
        var arguments = constructor.GetParameters().Select(p =>
            p.ParameterType == typeof(ActorSystem) ? system
            : p.ParameterType == typeof(ControllerSettings) ? (object)settings
            : Activator.CreateInstance(typeof(Probed<>).MakeGenericType(p.ParameterType.GetGenericArguments()), cluster)!);
        return (ControllerActors)constructor.Invoke(arguments.ToArray());
    }

    private sealed class Probed<TKey>(IActorRef actor) : IRequiredActor<TKey>
    {
        public IActorRef ActorRef => actor;

        public Task<IActorRef> GetAsync(CancellationToken cancellationToken = default) => Task.FromResult(actor);
    }
}
