using CloudController.Domain.Validation;
using CloudController.Domain.Vms;

namespace CloudController.Domain.KeyPool;

/// <summary>
/// The name and address an activation token (and so the certificate the controller signs) is issued for. For a VM the
/// controller knows they are its record's, never the caller's word: otherwise whoever may provision one VM could get a
/// certificate for another tenant's name.
/// </summary>
public sealed record CertificateSubject(string Hostname, string Ip)
{
    /// <summary>The VM's own: its data's host name (its record's when the data has none) and its data's address, if any.</summary>
    public static CertificateSubject Of(VmRecord vm) =>
        new(vm.DataOrEmpty.Values.GetValueOrDefault("hostname", vm.Hostname), vm.DataOrEmpty.Values.GetValueOrDefault("ip", ""));

    /// <summary>
    /// What a request for <paramref name="vm"/> gets: the record's subject, when the request names the same or leaves
    /// the field empty; otherwise a problem for each field that differs, naming both values.
    /// </summary>
    public static (CertificateSubject Subject, IReadOnlyList<FieldError> Errors) For(VmRecord vm, string requestedHostname, string requestedIp)
    {
        var subject = Of(vm);
        var errors = new List<FieldError>();
        if (requestedHostname.Length > 0 && requestedHostname != subject.Hostname)
            errors.Add(new FieldError("hostname", $"VM {vm.VmId} is {subject.Hostname}, not {HostnameRules.Printable(requestedHostname)}",
                "leave the host name empty (the VM's record names it), or change the VM's hostname with `ccm vm config set` first"));
        if (requestedIp.Length > 0 && requestedIp != subject.Ip)
            errors.Add(new FieldError("ip", subject.Ip.Length == 0
                    ? $"VM {vm.VmId} has no address, not {HostnameRules.Printable(requestedIp)}"
                    : $"VM {vm.VmId} has address {subject.Ip}, not {HostnameRules.Printable(requestedIp)}",
                "leave the address empty (the VM's record names it), or set the VM's ip with `ccm vm config set` first"));
        return (subject, errors);
    }
}
