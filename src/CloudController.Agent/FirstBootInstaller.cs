using CloudController.FirstBoot;
using Org.BouncyCastle.Utilities.IO.Pem;

namespace CloudController.Agent;

/// <summary>
/// Puts verified first-boot material where a Linux guest keeps it, under a root directory: the machine id, the SSH
/// host key, the TLS key and certificate, the LTPA key. Private files are readable by their owner only.
/// </summary>
public static class FirstBootInstaller
{
    public static IReadOnlyList<string> Install(InstalledMaterial material, string root)
    {
        var written = new List<string>
        {
            Write(root, "etc/machine-id", material.MachineGuid.ToString("N") + "\n", secret: false),
            Write(root, "etc/ssh/ssh_host_rsa_key", Pem("PRIVATE KEY", material.HostRsaPrivate), secret: true),
            Write(root, "etc/ssh/ssh_host_rsa_key.pub.pem", Pem("PUBLIC KEY", material.HostRsaPublic), secret: false),
            Write(root, "etc/pki/tls/private/vm.key", Pem("PRIVATE KEY", material.TlsPrivate), secret: true),
            Write(root, "etc/pki/tls/certs/vm.crt", Pem("CERTIFICATE", material.TlsCertificate), secret: false),
            Write(root, "etc/ltpa/ltpa.key", Convert.ToBase64String(material.LtpaKey) + "\n", secret: true),
        };
        return written;
    }

    private static string Pem(string type, byte[] der)
    {
        using var text = new StringWriter();
        using (var pem = new PemWriter(text)) pem.WriteObject(new PemObject(type, der));
        return text.ToString();
    }

    private static string Write(string root, string relative, string content, bool secret)
    {
        Appliers.GuestFiles.Write(root, relative, content, secret);
        return relative;
    }
}
