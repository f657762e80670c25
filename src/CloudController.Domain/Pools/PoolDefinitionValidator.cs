using CloudController.Domain.Networking;
using CloudController.Domain.Validation;

namespace CloudController.Domain.Pools;

/// <summary>Checks a pool definition, reporting every bad field with its fix.</summary>
public static class PoolDefinitionValidator
{
    public static IReadOnlyList<FieldError> Validate(PoolDefinition pool)
    {
        var errors = new List<FieldError>();
        if (HostnameRules.CatalogNameProblem(pool.Name) is { } name)
            errors.Add(new FieldError("name", $"pool name {name}", "use lower-case letters, digits and '-', e.g. web"));
        if (HostnameRules.CatalogNameProblem(pool.Template) is { } template)
            errors.Add(new FieldError("template", $"template name {template}", "name a template defined with 'ccm template define'"));
        if (NamePattern.Parse(pool.NamePattern).Problem is { } pattern)
            errors.Add(new FieldError("namePattern", $"the name pattern {pattern}", "use a host-name label with {n} in it, e.g. web-{n:0000}"));
        var (range, rangeProblem) = Ipv4Range.Parse(pool.IpRange);
        if (rangeProblem is not null) errors.Add(new FieldError("ipRange", rangeProblem, "give first-last, e.g. 10.0.0.10-10.0.0.59, or a CIDR block, e.g. 10.1.0.0/20"));
        if (pool.Domain.Length > 0 && HostnameRules.NameProblem(pool.Domain) is { } domain)
            errors.Add(new FieldError("domain", $"the domain {domain}", "use a DNS name such as corp.example.com, or leave it empty"));
        if (pool.Desired is < 0 or > ChildPool.MaxDesired)
            errors.Add(new FieldError("desired", $"desired is {pool.Desired}", $"use 0 to {ChildPool.MaxDesired}"));
        else if (range is not null && pool.Desired > range.Count)
            errors.Add(new FieldError("desired", $"{pool.Desired} children cannot fit in {range.Count} addresses of {pool.IpRange}", $"widen ipRange to at least {pool.Desired} addresses or lower desired"));
        if (pool.Autoscaling is { } autoscaling)
        {
            errors.AddRange(autoscaling.Problems());
            if (autoscaling.Problems().Count == 0 && (pool.Desired < autoscaling.Min || pool.Desired > autoscaling.Max))
                errors.Add(new FieldError("desired", $"desired {pool.Desired} is outside the autoscaling bounds {autoscaling.Min}-{autoscaling.Max}",
                    $"give a count from {autoscaling.Min} to {autoscaling.Max}"));
        }
        for (var i = 0; i < pool.TargetHosts.Length; i++)
        {
            if (pool.TargetHosts[i].Length == 0 || HostnameRules.NameProblem(pool.TargetHosts[i]) is not null)
                errors.Add(new FieldError($"targetHosts[{i}]", $"'{HostnameRules.Printable(pool.TargetHosts[i])}' is not a host id", "use ids from 'ccm hosts list'"));
        }
        return errors;
    }
}
