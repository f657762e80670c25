using Akka.Configuration;
using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.KeyPool;

/// <summary>The key pool's marks and pace, from <c>cloudcontroller.key-pool</c>.</summary>
/// <param name="FillOnStart">Fill at once; otherwise from the first token, hand-out or announced demand (tests and
/// small installations that never activate a VM spend no CPU on keys).</param>
/// <param name="TrimEvery">Hand-outs between journal trims: how long a spent set's sealed material stays stored.</param>
/// <param name="TokenLifetime">How long an activation token works after it is issued.</param>
/// <param name="SpentRetention">How long spent tokens and hand-outs are kept (a spent token is refused as spent, and its
/// VM may still report a failure with it); at least the token lifetime, so nothing forgotten could still be used.</param>
/// <param name="PruneEvery">How often expired tokens and spent records past their retention are forgotten.</param>
public sealed record KeyPoolSettings(
    int LowWater, int HighWater, int MaxSize, int RsaBits, int Parallelism, bool FillOnStart, int TrimEvery, string SecretsDirectory,
    TimeSpan TokenLifetime, TimeSpan SpentRetention, TimeSpan PruneEvery)
{
    public static KeyPoolSettings FromConfig(SettingsSection c, string dataDir)
    {
        var settings = new KeyPoolSettings(
            c.Int("low-water"),
            c.Int("high-water"),
            c.Int("max-size"),
            c.Int("rsa-bits"),
            // One core is left to serving: generation must not starve hand-outs and provisioning.
            c.Int("parallelism") is > 0 and var p ? p : Math.Max(1, Environment.ProcessorCount - 1),
            c.Boolean("fill-on-start"),
            c.Int("trim-every"),
            c.String("secrets-dir") is { Length: > 0 } dir ? dir : Path.Combine(dataDir, "secrets"),
            c.Duration("token-lifetime"),
            c.Duration("spent-retention"),
            c.Duration("prune-every"));
        if (settings.LowWater < 0 || settings.HighWater < settings.LowWater || settings.MaxSize < settings.HighWater)
            throw new ConfigurationException(
                $"cloudcontroller.key-pool: need 0 <= low-water ({settings.LowWater}) <= high-water ({settings.HighWater}) <= max-size ({settings.MaxSize}).");
        if (settings.RsaBits is not (2048 or 3072))
            throw new ConfigurationException($"cloudcontroller.key-pool.rsa-bits = {settings.RsaBits}; use 2048 or 3072.");
        if (settings.TrimEvery < 1) throw new ConfigurationException($"cloudcontroller.key-pool.trim-every = {settings.TrimEvery}; it must be at least 1.");
        if (settings.TokenLifetime <= TimeSpan.Zero || settings.PruneEvery <= TimeSpan.Zero)
            throw new ConfigurationException(
                $"cloudcontroller.key-pool: token-lifetime ({settings.TokenLifetime}) and prune-every ({settings.PruneEvery}) must be positive.");
        if (settings.SpentRetention < settings.TokenLifetime)
            throw new ConfigurationException(
                $"cloudcontroller.key-pool.spent-retention ({settings.SpentRetention}) is shorter than token-lifetime ({settings.TokenLifetime}); " +
                "keep spent tokens at least as long as a token works, so that a forgotten one has expired anyway.");
        return settings;
    }
}
