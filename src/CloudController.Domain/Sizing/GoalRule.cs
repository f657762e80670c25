namespace CloudController.Domain.Sizing;

/// <summary>
/// Maps a performance goal to hardware: a base, plus <see cref="Each"/> for every <see cref="Per"/> units of the goal
/// (rounded up), e.g. "web-server: 1 vCPU, 1024 MiB, 20 GiB, plus 1 vCPU and 512 MiB per 500 requests/s".
/// </summary>
public sealed record GoalRule(string Goal, string Unit, double Per, Resources Base, Resources Each)
{
    public Resources Suggest(double amount)
    {
        if (amount < 0 || double.IsNaN(amount) || double.IsInfinity(amount))
            throw new ArgumentOutOfRangeException(nameof(amount), amount, $"a {Unit} goal is a positive number");
        var steps = (int)Math.Ceiling(amount / Per);
        return new Resources(
            Base.CpuCores + steps * Each.CpuCores,
            Base.MemoryMib + steps * Each.MemoryMib,
            Base.DiskGib + steps * Each.DiskGib);
    }
}
