using CloudController.Api.V1;
using Spectre.Console;
using Spectre.Console.Rendering;
using static CloudController.Cli.Rendering.Cells;

namespace CloudController.Cli.Rendering;

/// <summary>The table of users. Pure: they build renderables and never talk to the server.</summary>
public static class UserTables
{
    public static Table Users(IEnumerable<User> users)
    {
        var table = New("NAME", "ROLE", "KIND", "TOKEN SINCE");
        foreach (var u in users)
        {
            table.AddRow(Text(u.Name), Text(u.Role.ToString().ToLowerInvariant()), Text(u.ServiceAccount ? "service account" : "person"), Text(u.Since));
        }
        return table;
    }
}
