using System.Collections.Immutable;
using Akka.Actor;
using CloudController.Cluster.KeyPool;
using CloudController.FirstBoot;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Xunit.Abstractions;
using static CloudController.Cluster.KeyPool.KeyPoolProtocol;

namespace CloudController.Cluster.Tests.KeyPool;

public class KeyPoolActorTests(ITestOutputHelper output) : EntityTestKit(output)
{
    // One set kept ready, so that a test waits for one RSA key at a time.
    private static readonly KeyPoolSettings OneSet = new(1, 1, 10, 2048, 1, FillOnStart: false, TrimEvery: 25, "",
        TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromMinutes(10));

    private static IActorRef Pool(ActorSystem system) => system.ActorOf(KeyPoolActor.Props(DefaultPool, TestSecrets.Instance, OneSet));

    private static Activate Activation(string token, string hostname, string ip = "10.0.0.5") =>
        new(DefaultPool, new ActivationRequest(token, hostname, ip, new X25519PrivateKeyParameters(new SecureRandom()).GeneratePublicKey().GetEncoded()));

    private ImmutableDictionary<string, string> Issue(IActorRef pool, params string[] vmIds)
    {
        pool.Tell(new IssueTokens(DefaultPool, [.. vmIds.Select(id => new TokenRequest(id, $"web-{id}", "10.0.0.5"))]), TestActor);
        return ExpectMsg<TokensGranted>().Tokens;
    }

    private void AwaitAvailable(IActorRef pool) => AwaitCondition(() =>
    {
        pool.Tell(new GetStatus(DefaultPool), TestActor);
        return ExpectMsg<KeyPoolStatus>().Available >= 1;
    }, TimeSpan.FromSeconds(30));

    private Guid ExpectActivated() => ActivationBundle.FromBytes(ExpectMsg<Activated>().Bundle).SetId;

    [Fact]
    public void Refuses_a_token_it_did_not_issue_another_hosts_a_used_one_and_a_revoked_one_each_saying_why()
    {
        var pool = Pool(Sys);
        var tokens = Issue(pool, "vm-1", "vm-2");
        AwaitAvailable(pool);

        pool.Tell(Activation("cct-made-up", "web-vm-1"), TestActor);
        Assert.Contains("not one this controller issued", ExpectMsg<ActivationRefused>().Reason);
        pool.Tell(Activation(tokens["vm-1"], "web-vm-1", "10.0.0.9"), TestActor);
        Assert.Contains("was issued to web-vm-1 (10.0.0.5), not web-vm-1 (10.0.0.9)", ExpectMsg<ActivationRefused>().Reason);
        pool.Tell(Activation(tokens["vm-1"], "web-vm-1"), TestActor);
        Assert.Equal("web-vm-1", ActivationBundle.FromBytes(ExpectMsg<Activated>().Bundle).Hostname);
        pool.Tell(Activation(tokens["vm-1"], "web-vm-1"), TestActor);
        Assert.Contains("already used; a token works once", ExpectMsg<ActivationRefused>().Reason);

        pool.Tell(new RevokeTokens(DefaultPool, ["vm-2"], "deleted"));
        pool.Tell(Activation(tokens["vm-2"], "web-vm-2"), TestActor);
        Assert.Contains("or it was revoked", ExpectMsg<ActivationRefused>().Reason);
        pool.Tell(new ReportFailure(DefaultPool, ActivationToken.Hash("cct-made-up"), "web-vm-1", "bad signature"), TestActor);
        Assert.Contains("not one this controller issued", ExpectMsg<ActivationRefused>().Reason);
        pool.Tell(new ReportFailure(DefaultPool, ActivationToken.Hash(tokens["vm-1"]), "web-vm-1", "bad signature"), TestActor);
        ExpectMsg<FailureRecorded>();
    }

    [Fact]
    public void Recovers_its_sets_and_tokens_so_a_spent_token_stays_spent_and_a_set_never_leaves_twice_after_a_restart()
    {
        var pool = Pool(Sys);
        var tokens = Issue(pool, "vm-1", "vm-2");
        AwaitAvailable(pool);
        pool.Tell(Activation(tokens["vm-1"], "web-vm-1"), TestActor);
        var first = ExpectActivated();
        // It refills to its one set; that set, sealed in the journal, is what the restarted pool hands out.
        AwaitAvailable(pool);
        Watch(pool);
        Sys.Stop(pool);
        ExpectTerminated(pool);

        var restarted = Pool(Restart());
        restarted.Tell(new GetStatus(DefaultPool), TestActor);
        var status = ExpectMsg<KeyPoolStatus>();
        Assert.Equal((1, 2L, 1, 1), (status.Available, status.GeneratedTotal, status.HandedOutTotal, status.TokensOutstanding));
        restarted.Tell(Activation(tokens["vm-1"], "web-vm-1"), TestActor);
        Assert.Contains("already used", ExpectMsg<ActivationRefused>().Reason);
        restarted.Tell(Activation(tokens["vm-2"], "web-vm-2"), TestActor);
        Assert.NotEqual(first, ExpectActivated());
    }
}
