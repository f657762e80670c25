using System.Collections.Immutable;
using CloudController.Domain.KeyPool;
using CloudController.Domain.Vms;

namespace CloudController.Domain.Tests.KeyPool;

public class CertificateSubjectTests
{
    private static readonly VmRecord Vm = new("vm-1", "web-01", "ubuntu", new Resources(2, 4096, 40), VmState.Running, "host-a", "vm-1-disk", "task-1",
        new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_records_name_and_address_are_taken_and_the_data_wins_over_the_provisioned_name()
    {
        Assert.Equal(new CertificateSubject("web-01", ""), CertificateSubject.For(Vm, "", "").Subject);
        var renamed = Vm.Apply(new VmDataChanged(1, ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [KeyValuePair.Create("hostname", "web-99"), KeyValuePair.Create("ip", "10.0.0.9")]), []));
        var (subject, errors) = CertificateSubject.For(renamed, "web-99", "10.0.0.9");
        Assert.Equal(new CertificateSubject("web-99", "10.0.0.9"), subject);
        Assert.Empty(errors);
    }

    [Fact]
    public void A_request_for_another_name_or_address_is_refused_naming_both()
    {
        var errors = CertificateSubject.For(Vm, "bank-01", "10.1.1.1").Errors;
        Assert.Equal(["hostname", "ip"], errors.Select(e => e.Field));
        Assert.Contains("VM vm-1 is web-01, not bank-01", errors[0].Problem);
        Assert.Contains("VM vm-1 has no address, not 10.1.1.1", errors[1].Problem);
    }
}
