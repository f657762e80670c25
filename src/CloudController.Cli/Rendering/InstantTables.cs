using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of instant-clone images. Pure: they build renderables and never talk to the server.</summary>
public static class InstantTables
{
    public static Table InstantImages(IEnumerable<InstantImage> images)
    {
        var table = New("IMAGE", "MODEL", "CLASS", "HARDWARE", "SOURCE VM", "ON HOST");
        foreach (var i in images)
            table.AddRow(Text(i.Name), Text(i.Model), Text(i.HardwareClass), Text(Format(i.Hardware)), Text(i.SourceVmId), Text(i.SourceHostId));
        return table;
    }
}
