using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class AuditCommands
{
    public static Palette Build(CcmApp app)
    {
        var user = new Option<string?>("--user") { Description = "Only the calls this user made (yours alone unless you are an administrator)", HelpName = "name" };
        var call = new Option<string?>("--call") { Description = "Only this call: Service/Method (Vms/DeleteVm) or the method (DeleteVm)", HelpName = "call" };
        var since = SinceOption.Create("calls made");
        var list = app.List("list", "Every call that changed state (or tried to): who, when, the ids it named, accepted or refused and why, the reason given",
            async (parse, session, ct) => await session.Audit.ListAuditEntriesAsync(
                new ListAuditEntriesRequest { User = parse.GetValue(user) ?? "", Call = parse.GetValue(call) ?? "", Since = SinceOption.Value(parse, since) },
                cancellationToken: ct),
            r => AuditTables.Entries(r.Entries));
        foreach (var option in new Option[] { user, call, since }) list.Options.Add(option);

        return app.NewPalette("audit", "The audit trail: state-changing calls, never a secret value").Add(list);
    }
}
