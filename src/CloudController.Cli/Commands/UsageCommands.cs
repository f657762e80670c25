using System.CommandLine;
using System.Globalization;
using CloudController.Api.V1;
using CloudController.Cli.Rendering;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace CloudController.Cli.Commands;

public static class UsageCommands
{
    public static Palette Build(CcmApp app)
    {
        var from = new Option<string?>("--from") { Description = "Start of the period, UTC: 2026-12-01 or 2026-12-01T08:00 (default: this month's start)", HelpName = "time" };
        var to = new Option<string?>("--to") { Description = "End of the period, UTC, not included (default: now)", HelpName = "time" };
        var user = new Option<string?>("--user") { Description = "Only this owner (yourself unless you are an administrator)", HelpName = "name" };
        // -o csv gives raw numbers and the period on every row, for a spreadsheet or billing: ccm usage report -o csv > usage.csv
        var report = app.List("report", "VMs started, VM-hours and resource-hours per owner in a period, and what each holds now",
            async (parse, session, ct) => await session.Usage.GetUsageAsync(
                new GetUsageRequest { From = Time(parse.GetValue(from)), To = Time(parse.GetValue(to)), Owner = parse.GetValue(user) ?? "" }, cancellationToken: ct),
            UsageTables.Usage, UsageCsv.Format);
        foreach (var option in new Option[] { from, to, user }) report.Options.Add(option);
        foreach (var option in new[] { from, to })
        {
            // Checked while parsing, so a wrong time is a usage error before anything reaches the node.
            option.Validators.Add(result =>
            {
                if (result.Tokens.Count == 1 && Parse(result.Tokens[0].Value) is null)
                    result.AddError($"{option.Name} '{result.Tokens[0].Value}' is not a time; use 2026-12-01 or 2026-12-01T08:00 (UTC).");
            });
        }

        return app.NewPalette("usage", "Usage metered per owner: VMs, VM-hours, resources held").Add(report);
    }

    private static Timestamp? Time(string? value) => value is null ? null : Timestamp.FromDateTimeOffset(Parse(value)!.Value);

    private static DateTimeOffset? Parse(string value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
}
