using CloudController.Domain.KeyPool;

namespace CloudController.Domain.Tests.KeyPool;

public class KeyPoolStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static KeyPoolState WithSets(int count, params (string Hash, string Vm)[] tokens)
    {
        var state = KeyPoolState.Empty.Apply(new SetsStored([.. Enumerable.Range(0, count).Select(_ => new StoredSet(Guid.NewGuid(), [1, 2, 3], Now))]));
        return state.Apply(new TokensIssued([.. tokens.Select(t => new TokenGrant(t.Hash, t.Vm, t.Vm, "10.0.0.1", Now))]));
    }

    private static KeyPoolState Apply(KeyPoolState state, Decision decision) => decision.Event is { } e ? state.Apply(e) : state;

    [Fact]
    public void Each_token_takes_one_set_once_and_sets_leave_oldest_first()
    {
        var state = WithSets(2, ("h1", "vm-1"), ("h2", "vm-2"));
        var first = state.Available.Peek().SetId;
        state = Apply(state, state.HandOut("h1", "vm-1", "10.0.0.1", Now));
        state = Apply(state, state.HandOut("h2", "vm-2", "10.0.0.1", Now));

        Assert.Equal(2, state.HandOuts.Count);
        Assert.Equal("vm-1", state.HandOuts[first].VmId);
        Assert.Equal(0, state.AvailableCount);
        Assert.Contains("already used", state.HandOut("h1", "vm-1", "10.0.0.1", Now).Refusal);
    }

    [Fact]
    public void A_set_journaled_as_handed_out_is_burned_even_if_the_reply_never_left()
    {
        // The node died after journaling the hand-out and before replying: what it recovers is the journal.
        var state = WithSets(2, ("h1", "vm-1"));
        var handedOut = state.HandOut("h1", "vm-1", "10.0.0.1", Now).Event!;
        var recovered = WithSets(0).Apply(new SetsStored([.. state.Available])).Apply(new TokensIssued([state.Tokens["h1"]])).Apply(handedOut);

        Assert.Contains("already used", recovered.HandOut("h1", "vm-1", "10.0.0.1", Now).Refusal);
        Assert.DoesNotContain(((SetHandedOut)handedOut).HandOut.SetId, recovered.Available.Select(s => s.SetId));
        Assert.Equal(1, recovered.AvailableCount);
    }

    [Fact]
    public void Unknown_tokens_other_names_and_an_empty_pool_are_refused_and_an_empty_pool_keeps_the_token()
    {
        var state = WithSets(0, ("h1", "vm-1"));
        Assert.Contains("not one this controller issued", state.HandOut("nope", "vm-1", "10.0.0.1", Now).Refusal);
        Assert.Contains("issued to vm-1 (10.0.0.1), not vm-2", state.HandOut("h1", "vm-2", "10.0.0.1", Now).Refusal);
        Assert.Contains("empty", state.HandOut("h1", "vm-1", "10.0.0.1", Now).Refusal);
        state = state.Apply(new SetsStored([new StoredSet(Guid.NewGuid(), [1], Now)]));
        Assert.False(state.HandOut("h1", "vm-1", "10.0.0.1", Now).IsRefused);
    }

    [Fact]
    public void Announced_demand_raises_the_target_within_the_maximum()
    {
        var state = KeyPoolState.Empty;
        Assert.Equal(100, state.Target(20, 100, 5000));
        state = state.Apply(new DemandExpected("pool:web", 2000));
        Assert.Equal(2020, state.Target(20, 100, 5000));
        state = state.Apply(new DemandExpected("pool:api", 9000));
        Assert.Equal(5000, state.Target(20, 100, 5000));
        state = state.Apply(new DemandExpected("pool:api", 0)).Apply(new DemandExpected("pool:web", 0));
        Assert.Equal(100, state.Target(20, 100, 5000));
    }
}
