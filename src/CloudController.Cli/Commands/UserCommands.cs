using System.CommandLine;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;

namespace CloudController.Cli.Commands;

public static class UserCommands
{
    public static Palette Build(CcmApp app)
    {
        var whoami = app.Remote("whoami", "Show who your token belongs to and its role", async (_, session, ct) =>
        {
            Output.Write(session, await session.Access.WhoAmIAsync(new WhoAmIRequest(), cancellationToken: ct), u => UserTables.Users([u]));
            return ExitCode.Success;
        });

        var list = app.List("list", "List users and service accounts with their roles (administrators)",
            async (_, session, ct) => await session.Access.ListUsersAsync(new ListUsersRequest(), cancellationToken: ct), r => UserTables.Users(r.Users));

        var name = new Argument<string>("name") { Description = "Lower-case letters, digits and '-', e.g. alice or ci-bot" };
        var role = new Option<string>("--role")
        {
            Description = "viewer (reads), provisioner (VMs, networks, pools), administrator (everything)",
            Required = true,
            HelpName = "viewer|provisioner|administrator",
        };
        role.AcceptOnlyFromAmong("viewer", "provisioner", "administrator");
        var serviceAccount = new Option<bool>("--service-account") { Description = "For a program (an autoscaler, CI), not a person" };
        var add = app.Change("create", "Add a user; its token is printed once and only its hash is kept", async (parse, session, ct) =>
        {
            var request = new AddUserRequest { Name = parse.GetValue(name), Role = ParseRole(parse.GetValue(role)!), ServiceAccount = parse.GetValue(serviceAccount) };
            Output.WriteLine(session, await session.Access.AddUserAsync(request, cancellationToken: ct), t => t.Token);
            return ExitCode.Success;
        });
        add.Aliases.Add("add");
        add.Arguments.Add(name);
        add.Options.Add(role);
        add.Options.Add(serviceAccount);

        var removed = new Argument<string>("name") { Description = "The user to remove; its token stops working" };
        var remove = app.Change("delete", "Remove a user (not the last administrator)", async (parse, session, ct) =>
        {
            await session.Access.RemoveUserAsync(new RemoveUserRequest { Name = parse.GetValue(removed) }, cancellationToken: ct);
            return ExitCode.Success;
        });
        remove.Aliases.Add("remove");
        remove.Arguments.Add(removed);

        var rotated = new Argument<string>("name") { Description = "The user whose token to replace" };
        var rotate = app.Change("rotate", "Give a user a new token (printed once); the old one stops working", async (parse, session, ct) =>
        {
            Output.WriteLine(session, await session.Access.RotateTokenAsync(new RotateTokenRequest { Name = parse.GetValue(rotated) }, cancellationToken: ct), t => t.Token);
            return ExitCode.Success;
        });
        rotate.Arguments.Add(rotated);

        return app.NewPalette("user", "Who may call the controller, and with which role", "users").Add(whoami).Add(list).Add(add).Add(remove).Add(rotate);
    }

    private static Role ParseRole(string role) => role switch
    {
        "viewer" => Role.Viewer,
        "provisioner" => Role.Provisioner,
        _ => Role.Administrator,
    };
}
