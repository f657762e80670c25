using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The tables of model VMs. Pure: they build renderables and never talk to the server.</summary>
public static class ModelTables
{
    public static Table Models(IEnumerable<ModelVm> models)
    {
        var table = New("MODEL", "OS", "APPS", "HARDWARE", "MINIMUM", "IMAGE");
        foreach (var m in models)
        {
            table.AddRow(Text(m.Name), Text(m.Os), Text(string.Join(", ", m.Apps)), Text(Format(m.Hardware)), Text(Format(m.Minimum)), Text(m.DiskImage));
        }
        return table;
    }

    public static Table Model(ModelVm m)
    {
        var table = Properties();
        table.AddRow(Text("name"), Text(m.Name));
        table.AddRow(Text("os"), Text(m.ServicePack.Length > 0 ? $"{m.Os} {m.ServicePack}" : m.Os));
        table.AddRow(Text("apps"), Text(string.Join(", ", m.Apps)));
        table.AddRow(Text("users"), Text(string.Join(", ", m.Users)));
        table.AddRow(Text("hardware"), Text(Format(m.Hardware)));
        table.AddRow(Text("minimum"), Text(Format(m.Minimum)));
        table.AddRow(Text("disk image"), Text(m.DiskImage));
        table.AddRow(Text("image source"), Text(m.ImageUrl.Length > 0 ? m.ImageUrl : "put in the image store by hand"));
        if (m.ImageDigest.Length > 0) table.AddRow(Text("image digest"), Text(m.ImageDigest));
        table.AddRow(Text("registered"), Text(m.RegisteredAt?.ToDateTimeOffset().ToString("u") ?? "-"));
        return table;
    }
}
