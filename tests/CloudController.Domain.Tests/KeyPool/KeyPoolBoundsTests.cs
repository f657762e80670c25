using System.Text.Json;
using CloudController.Domain.KeyPool;

namespace CloudController.Domain.Tests.KeyPool;

/// <summary>The key pool's books, and so each snapshot of them, stay bounded however many tokens go through it.</summary>
public class KeyPoolBoundsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public void Issuing_and_spending_100000_tokens_leaves_a_snapshot_no_bigger_than_after_the_first_retention_window()
    {
        // A token a minute for about 70 days: a day's retention holds some 1,440 spent ones. Every tenth token is never
        // used (it expires) and every fiftieth of those belongs to a VM deleted first (its token is revoked).
        var state = KeyPoolState.Empty;
        var sizeAfterWindow = 0;
        for (var i = 0; i < 100_000; i++)
        {
            var now = Start.AddMinutes(i);
            var vm = $"vm-{i}";
            state = state.Apply(new TokensIssued([new TokenGrant($"hash-{i}", vm, vm, "10.0.0.1", now, now + Lifetime)]));
            if (i % 50 == 0) state = Apply(state, state.Revoke([vm], "deleted"));
            else if (i % 10 != 0)
            {
                // The pool refills what it hands out.
                state = state.Apply(new SetsStored([new StoredSet(Guid.NewGuid(), new byte[64], now)]));
                state = Apply(state, state.HandOut($"hash-{i}", vm, "10.0.0.1", now));
            }
            if (i % 100 == 99) state = Apply(state, state.Prune(now, Retention));
            if (i == 10_000) sizeAfterWindow = JsonSerializer.SerializeToUtf8Bytes(state, Json).Length;
        }
        var last = Start.AddMinutes(99_999);
        var size = JsonSerializer.SerializeToUtf8Bytes(state, Json).Length;

        Assert.Equal(90_000, state.HandedOutTotal);
        Assert.InRange(state.Spent.Count, 1, (int)(Retention / TimeSpan.FromMinutes(1)) + 100);
        Assert.InRange(state.Tokens.Count, 0, (int)(Lifetime / TimeSpan.FromMinutes(1)) + 100);
        Assert.True(size <= sizeAfterWindow * 1.1, $"the snapshot grew from {sizeAfterWindow} bytes (10,000 tokens) to {size} (100,000)");
        // Nothing forgotten works again: an early spent token, an early unused one, a revoked one.
        Assert.True(state.HandOut("hash-1", "vm-1", "10.0.0.1", last).IsRefused);
        Assert.True(state.HandOut("hash-10", "vm-10", "10.0.0.1", last).IsRefused);
        Assert.True(state.HandOut("hash-99950", "vm-99950", "10.0.0.1", last).IsRefused);
    }

    private static KeyPoolState Apply(KeyPoolState state, Decision decision) => decision.Event is { } e ? state.Apply(e) : state;
}
