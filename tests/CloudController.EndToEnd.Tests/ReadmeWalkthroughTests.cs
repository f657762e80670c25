using System.Diagnostics;
using System.Text.RegularExpressions;
using CloudController.Api.V1;
using CloudController.Cli;
using Grpc.Core;
using Spectre.Console.Testing;
using Xunit.Abstractions;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// Runs the README walkthrough's commands verbatim, in order, against an embedded node on the embedded profile's
/// defaults, and checks that each exits as the README says (0 unless its comment says `# exit N`). Only the placeholders are filled in, as a reader would: &lt;task-id&gt; with the
/// last task id a command printed, &lt;vm-id&gt; with the last VM printed that still runs (and is not already on the host a
/// migration names). It runs alone: it fills the fleet, and it works in a directory of its own.
/// </summary>
[Collection(ReadmeWalkthroughCollection.Name)]
public partial class ReadmeWalkthroughTests(ITestOutputHelper output)
{
    /// <summary>The answer-file template the walkthrough's `catalog define-app` reads, as the README gives it.</summary>
    private const string RedisIni = "[redis]\nport={{port}}\n";

    [Fact]
    public async Task Every_command_of_the_README_walkthrough_succeeds_on_the_embedded_default()
    {
        var commands = ReadmeWalkthrough.Commands(await File.ReadAllTextAsync(FindReadme()));
        Assert.True(commands.Count > 30, $"only {commands.Count} ccm commands found in the walkthrough");
        Assert.Contains(commands, c => c.Args is ["pool", "scale", "web", "2000", ..]);

        await using var node = await RunningNode.StartAsync(output);
        await node.WaitForHostsAsync(8);
        var seen = new List<string>();
        var directory = Directory.CreateTempSubdirectory("cc-walkthrough-");
        var previous = Environment.CurrentDirectory;
        Environment.CurrentDirectory = directory.FullName;
        try
        {
            await File.WriteAllTextAsync("redis.ini", RedisIni);
            foreach (var (command, expected) in commands)
            {
                var args = new List<string>();
                foreach (var word in command) args.Add(await FillAsync(word, command, seen, node));
                var clock = Stopwatch.StartNew();
                var console = new TestConsole().Width(240);
                var errors = new StringWriter();
                var exit = await new CcmApp(console, errors, environment: _ => null)
                    .RunAsync(["--endpoint", node.Node.Endpoint.ToString(), .. args], CancellationToken.None);
                var text = console.Output + errors;
                output.WriteLine($"ccm {string.Join(' ', args)}  -> exit {exit} in {clock.Elapsed.TotalSeconds:F1} s");
                output.WriteLine(Tail(text));
                seen.AddRange(Ids().Matches(text).Select(m => m.Value));
                Assert.True(exit == expected, $"`ccm {string.Join(' ', command)}` exited {exit}, not {expected}: {errors}");
                // A person types the next command seconds later, when a task the simulated fleet runs in milliseconds has
                // ended: the README's abort of it says `# exit 1`, so the test waits as long as a person would.
                if (exit == 0 && command is ["vm", "create", ..] && !command.Contains("--wait"))
                {
                    var task = seen.Last(id => id.StartsWith("task-", StringComparison.Ordinal));
                    await Eventually.True(async () => (await node.Provisioning.GetTaskAsync(new GetTaskRequest { TaskId = task })).State
                        is not (TaskState.Running or TaskState.RollingBack), $"task {task} ended");
                }
                // A person types the next command seconds later; the models' read model (which custom builds match
                // against) follows the journal within a fraction of one. Commands back to back wait for it.
                if (exit == 0 && command is ["model" or "models", "create" or "add", var model, ..])
                {
                    await Eventually.True(async () => (await node.Catalog.ListModelsAsync(new ListModelsRequest())).Models.Any(m => m.Name == model),
                        $"model {model} in the models' read model");
                }
            }
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            directory.Delete(recursive: true);
        }
    }

    private static async Task<string> FillAsync(string word, string[] command, List<string> seen, RunningNode node)
    {
        switch (word)
        {
            case "<task-id>":
                return seen.Last(id => id.StartsWith("task-", StringComparison.Ordinal));
            case "<vm-id>":
                var to = Array.IndexOf(command, "--to") is var at and >= 0 ? command[at + 1] : null;
                foreach (var id in seen.Where(id => id.StartsWith("vm-", StringComparison.Ordinal)).Reverse().Distinct())
                {
                    try
                    {
                        var vm = await node.Vms.GetVmAsync(new GetVmRequest { Id = id });
                        if (vm.State == "Running" && vm.HostId != to) return id;
                    }
                    catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                    {
                    }
                }
                throw new InvalidOperationException($"no running VM printed so far for `ccm {string.Join(' ', command)}`");
            default:
                return word;
        }
    }

    private static string Tail(string text) => text.Length <= 600 ? text : "..." + text[^600..];

    private static string FindReadme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var readme = Path.Combine(dir.FullName, "README.md");
            if (File.Exists(readme) && File.Exists(Path.Combine(dir.FullName, "CloudController.sln"))) return readme;
        }
        throw new FileNotFoundException("README.md beside CloudController.sln, above the test's directory");
    }

    [GeneratedRegex(@"\b(task|vm)-[0-9a-f]{16}\b")]
    private static partial Regex Ids();
}

/// <summary>The walkthrough runs alone: it fills the embedded fleet with 2,000 children and changes the working directory.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReadmeWalkthroughCollection
{
    public const string Name = "README walkthrough";
}
