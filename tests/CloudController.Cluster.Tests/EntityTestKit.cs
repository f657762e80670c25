using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace CloudController.Cluster.Tests;

/// <summary>
/// A test kit whose actor system persists to a private SQLite journal and forms a one-node cluster (host entities and
/// the fleet view publish and subscribe through the cluster's pub-sub). <see cref="Restart"/> gives a second system
/// on the same journal: what an entity recovers there, it recovered from its journal alone.
/// </summary>
public abstract class EntityTestKit : TestKit
{
    private readonly List<ActorSystem> _restarted = [];

    protected EntityTestKit(ITestOutputHelper output, SqliteJournal? journal = null, string extraConfig = "")
        : this(journal ?? new SqliteJournal(), extraConfig, output)
    {
    }

    // A journal opened by a second system on a loaded machine (a CI run) can take longer than TestKit's 3 s default to
    // answer its first message; a wait only runs this long when the test is failing anyway.
    private EntityTestKit(SqliteJournal journal, string extraConfig, ITestOutputHelper output)
        : base(journal.Config("akka.test.single-expect-default = 20s\n" + extraConfig), output: output)
    {
        Journal = journal;
        ExtraConfig = extraConfig;
        JoinSelf(Sys);
    }

    protected SqliteJournal Journal { get; }

    protected string ExtraConfig { get; }

    /// <summary>A fresh actor system on the same journal, as after a node restart.</summary>
    protected ActorSystem Restart()
    {
        var system = ActorSystem.Create("restarted", Journal.Config(ExtraConfig));
        JoinSelf(system);
        _restarted.Add(system);
        return system;
    }

    protected override void AfterAll()
    {
        foreach (var system in _restarted) system.Terminate().Wait(TimeSpan.FromSeconds(10));
        base.AfterAll();
        Journal.Dispose();
    }

    private static void JoinSelf(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
    }
}
