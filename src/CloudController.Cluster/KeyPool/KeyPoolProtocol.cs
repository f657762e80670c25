using System.Collections.Immutable;
using CloudController.FirstBoot;

namespace CloudController.Cluster.KeyPool;

/// <summary>The messages of the <see cref="KeyPoolActor"/> entity, keyed by pool name (one pool, "default", per cluster).</summary>
public static class KeyPoolProtocol
{
    public const string DefaultPool = "default";

    public interface IKeyPoolCommand : IEntityCommand
    {
        string Pool { get; }

        string IEntityCommand.EntityId => Pool;
    }

    /// <summary>A VM that will ask for a set: its id, and the name and address its agent will present.</summary>
    public sealed record TokenRequest(string VmId, string Hostname, string Ip);

    /// <summary>Issues one activation token per VM; the tokens are answered once, in clear, and kept only as hashes.</summary>
    public sealed record IssueTokens(string Pool, ImmutableArray<TokenRequest> Vms) : IKeyPoolCommand;

    /// <param name="Tokens">VM id to its token.</param>
    /// <param name="Replaced">VMs whose earlier unspent token the new one revoked (a retried batch): whatever holds the
    /// old one must be given the new.</param>
    public sealed record TokensGranted(ImmutableDictionary<string, string> Tokens, ImmutableArray<string> Replaced) : IClusterMessage
    {
        public override string ToString() => $"{Tokens.Count} activation tokens";
    }

    /// <summary>The VMs were deleted or replaced: their unspent tokens stop working. Not answered.</summary>
    public sealed record RevokeTokens(string Pool, ImmutableArray<string> VmIds, string Reason) : IKeyPoolCommand;

    /// <summary>An agent asks for its set. Answered with <see cref="Activated"/> or <see cref="ActivationRefused"/>.</summary>
    public sealed record Activate(string Pool, ActivationRequest Request) : IKeyPoolCommand;

    /// <param name="Bundle">The signed bundle, private parts sealed to the agent's key.</param>
    public sealed record Activated(byte[] Bundle) : IClusterMessage
    {
        public override string ToString() => $"activation bundle ({Bundle.Length} bytes)";
    }

    public sealed record ActivationRefused(string Reason) : IClusterMessage;

    /// <summary>A client expects this many activations soon: the pool raises its mark to have them ready.</summary>
    public sealed record ExpectDemand(string Pool, string Source, int Count) : IKeyPoolCommand;

    /// <summary>
    /// An agent could not install what it got (it failed verification); counted and logged if the token hash is one the
    /// pool issued. Answered with <see cref="FailureRecorded"/> or <see cref="ActivationRefused"/>.
    /// </summary>
    public sealed record ReportFailure(string Pool, string TokenHash, string Hostname, string Reason) : IKeyPoolCommand;

    public sealed record FailureRecorded : IClusterMessage
    {
        public static readonly FailureRecorded Instance = new();
    }

    public sealed record GetStatus(string Pool) : IKeyPoolCommand;

    public sealed record KeyPoolStatus(
        int Available,
        int Target,
        int LowWater,
        int HighWater,
        int Generating,
        long GeneratedTotal,
        int HandedOutTotal,
        int TokensOutstanding,
        double RefillPerSecond,
        double HandOutsPerSecond,
        double? SecondsToEmpty,
        int FailuresReported,
        string? LastFailure) : IClusterMessage;
}
