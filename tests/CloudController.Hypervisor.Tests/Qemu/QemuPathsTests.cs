using CloudController.Hypervisor.Qemu;

namespace CloudController.Hypervisor.Tests.Qemu;

public sealed class QemuPathsTests
{
    [Fact]
    public void A_shared_datastore_named_in_the_configuration_is_where_the_machine_mounts_it_and_any_other_is_under_the_root()
    {
        var paths = new QemuPaths("/var/lib/cc/qemu", "/run/cc", new Dictionary<string, string> { ["san-01"] = "/mnt/san-01" });
        Assert.Equal("/mnt/san-01/vm-1-disk.qcow2", paths.DatastoreLayerFile("san-01", "vm-1-disk"));
        Assert.Equal("/var/lib/cc/qemu/datastores/local-ssd/vm-1-disk.qcow2", paths.DatastoreLayerFile("local-ssd", "vm-1-disk"));
    }
}
