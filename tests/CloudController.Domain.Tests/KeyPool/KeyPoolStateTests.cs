using CloudController.Domain.KeyPool;

namespace CloudController.Domain.Tests.KeyPool;

public class KeyPoolStateTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static KeyPoolState WithSets(int count, params (string Hash, string Vm)[] tokens)
    {
        var state = KeyPoolState.Empty.Apply(new SetsStored([.. Enumerable.Range(0, count).Select(_ => new StoredSet(Guid.NewGuid(), [1, 2, 3], Now))]));
        return state.Apply(new TokensIssued([.. tokens.Select(t => new TokenGrant(t.Hash, t.Vm, t.Vm, "10.0.0.1", Now, Now.AddHours(1)))]));
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

    [Fact]
    public void An_expired_token_is_refused_and_a_later_one_for_the_vm_replaces_the_earlier()
    {
        var state = WithSets(2, ("h1", "vm-1"));
        Assert.Contains("expired", state.HandOut("h1", "vm-1", "10.0.0.1", Now.AddHours(1)).Refusal);

        Assert.True(state.HoldsToken("vm-1"));
        state = state.Apply(new TokensIssued([new TokenGrant("h2", "vm-1", "vm-1", "10.0.0.1", Now, Now.AddHours(1))]));
        Assert.Contains("revoked", state.HandOut("h1", "vm-1", "10.0.0.1", Now).Refusal);
        Assert.False(state.HandOut("h2", "vm-1", "10.0.0.1", Now).IsRefused);
        Assert.Single(state.Tokens);
    }

    [Fact]
    public void A_deleted_vms_token_is_revoked_and_revoking_again_does_nothing()
    {
        var state = WithSets(1, ("h1", "vm-1"), ("h2", "vm-2"));
        state = Apply(state, state.Revoke(["vm-1", "vm-9"], "deleted"));

        Assert.Contains("revoked", state.HandOut("h1", "vm-1", "10.0.0.1", Now).Refusal);
        Assert.False(state.HandOut("h2", "vm-2", "10.0.0.1", Now).IsRefused);
        Assert.Null(state.Revoke(["vm-1"], "deleted again").Event);
    }

    [Fact]
    public void A_spent_token_is_refused_as_spent_within_retention_and_still_refused_once_forgotten()
    {
        var state = WithSets(1, ("h1", "vm-1"), ("h2", "vm-2"));
        state = Apply(state, state.HandOut("h1", "vm-1", "10.0.0.1", Now));
        var retention = TimeSpan.FromHours(2);

        // Within retention the spent token is known: refused as spent, and its VM may still report a failure with it.
        var early = Apply(state, state.Prune(Now.AddHours(1), retention));
        Assert.Contains("already used", early.HandOut("h1", "vm-1", "10.0.0.1", Now.AddHours(1)).Refusal);
        Assert.Null(early.ReportRefusal("h1"));
        Assert.Empty(early.Tokens);

        var late = Apply(early, early.Prune(Now.AddHours(3), retention));
        Assert.Empty(late.Spent);
        Assert.Empty(late.HandOuts);
        Assert.Equal(1, late.HandedOutTotal);
        Assert.True(late.HandOut("h1", "vm-1", "10.0.0.1", Now.AddHours(3)).IsRefused);
        Assert.Null(late.Prune(Now.AddHours(3), retention).Event);
    }

    [Fact]
    public void A_snapshot_written_before_tokens_expired_reads_with_its_tokens_indexed_and_a_lifetime()
    {
        const string old = """
            {"available":[],"availableCount":0,"tokens":{"h1":{"tokenHash":"h1","vmId":"vm-1","hostname":"vm-1","ip":"10.0.0.1","issuedAt":"2026-11-24T12:00:00+00:00"}},
             "usedTokens":["h0"],"handOuts":{},"demand":{},"generatedTotal":3}
            """;
        var state = System.Text.Json.JsonSerializer.Deserialize<KeyPoolState>(old, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!;

        Assert.True(state.HoldsToken("vm-1"));
        Assert.Equal(Now.AddDays(1), state.Tokens["h1"].ExpiresAt);
        Assert.Empty(state.Spent);
    }
}
