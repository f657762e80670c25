using CloudController.Domain.Validation;

namespace CloudController.Domain.Pools;

/// <summary>
/// A pool's part in autoscaling: an autoscaler (Kubernetes Cluster Autoscaler, through its external gRPC provider)
/// may move the pool's desired count between <paramref name="Min"/> and <paramref name="Max"/>, and remove named
/// children. A pool without it is never touched by an autoscaler.
/// </summary>
public sealed record PoolAutoscaling(int Min, int Max)
{
    /// <summary>Every bad bound, each naming its field and the fix.</summary>
    public IReadOnlyList<FieldError> Problems()
    {
        var errors = new List<FieldError>();
        if (Min is < 0 or > ChildPool.MaxDesired)
            errors.Add(new FieldError("autoscaling.min", $"min is {Min}", $"use 0 to {ChildPool.MaxDesired}"));
        if (Max is < 1 or > ChildPool.MaxDesired)
            errors.Add(new FieldError("autoscaling.max", $"max is {Max}", $"use 1 to {ChildPool.MaxDesired}"));
        else if (Max < Min)
            errors.Add(new FieldError("autoscaling.max", $"max {Max} is below min {Min}", $"give a max of at least {Min}"));
        return errors;
    }
}
