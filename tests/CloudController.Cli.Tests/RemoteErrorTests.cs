using CloudController.Cli.Tests.Fakes;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace CloudController.Cli.Tests;

/// <summary>Errors as a node sends them, through real status trailers: the message, the stream, the exit code.</summary>
[Collection(FakeNodeCollection.Name)]
public class RemoteErrorTests
{
    private readonly FakeNode _node;

    public RemoteErrorTests(FakeNode node)
    {
        _node = node;
        _node.Fleet.Reset();
    }

    [Fact]
    public async Task Field_violations_of_a_bad_request_are_listed_one_per_line()
    {
        var badRequest = new BadRequest
        {
            FieldViolations =
            {
                new BadRequest.Types.FieldViolation { Field = "hostname", Description = "'Web_01' contains '_'. Use 'web-01'" },
                new BadRequest.Types.FieldViolation { Field = "overrides.memory_mib", Description = "512 MiB is below model 'ubuntu' minimum of 1024 MiB. --memory 1024 would fit" },
            },
        };
        _node.Fleet.Failure = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = "2 problems", Details = { Any.Pack(badRequest) } }.ToRpcException();

        var run = await CcmRun.Against(_node, "vm", "provision", "--model", "ubuntu", "--hostname", "Web_01", "--memory", "512");

        Assert.Equal((int)ExitCode.Usage, run.ExitCode);
        Assert.Equal(
            ["The request has 2 problems:",
             "  hostname: 'Web_01' contains '_'. Use 'web-01'",
             "  overrides.memory_mib: 512 MiB is below model 'ubuntu' minimum of 1024 MiB. --memory 1024 would fit"],
            run.Errors.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(run.Output);
    }

    [Theory]
    [InlineData(StatusCode.NotFound, ExitCode.NotFound, "Not found: the detail")]
    [InlineData(StatusCode.ResourceExhausted, ExitCode.NoCapacity, "No room: the detail")]
    [InlineData(StatusCode.Unavailable, ExitCode.Unreachable, "is up but unavailable: the detail")]
    [InlineData(StatusCode.FailedPrecondition, ExitCode.Refused, "Refused: the detail")]
    [InlineData(StatusCode.AlreadyExists, ExitCode.Refused, "Refused: the detail")]
    [InlineData(StatusCode.InvalidArgument, ExitCode.Usage, "The request is invalid: the detail")]
    [InlineData(StatusCode.Internal, ExitCode.Refused, "The node answered Internal: the detail")]
    public async Task A_status_from_the_node_becomes_its_exit_code_on_stderr_only(StatusCode status, ExitCode expected, string message)
    {
        _node.Fleet.Failure = new RpcException(new Grpc.Core.Status(status, "the detail"));

        var table = await CcmRun.Against(_node, "vm", "list");
        var json = await CcmRun.Against(_node, "--output", "json", "vm", "list");

        Assert.Equal((int)expected, table.ExitCode);
        Assert.Contains(message, table.Errors);
        Assert.Empty(table.Output);
        Assert.Equal((int)expected, json.ExitCode);
        Assert.Empty(json.Output);
    }

    [Fact]
    public async Task Showing_what_does_not_exist_is_not_found()
    {
        var run = await CcmRun.Against(_node, "vm", "show", "vm-404");

        Assert.Equal((int)ExitCode.NotFound, run.ExitCode);
        Assert.Contains("Not found: VM vm-404 not found", run.Errors);
    }

    [Fact]
    public async Task No_room_says_what_to_do()
    {
        _node.Fleet.Failure = new Google.Rpc.Status
        {
            Code = (int)Code.ResourceExhausted,
            Message = "no host fits 2 vCPU, 10000000 MiB, 40 GiB: 2 hosts considered: 2 lack memory",
            Details = { Any.Pack(new ErrorInfo { Reason = "NO_HOST_FITS", Domain = "cloudcontroller" }) },
        }.ToRpcException();

        var run = await CcmRun.Against(_node, "vm", "provision", "--model", "ubuntu", "--hostname", "huge", "--memory", "10000000");

        Assert.Equal((int)ExitCode.NoCapacity, run.ExitCode);
        Assert.Contains("2 hosts considered: 2 lack memory", run.Errors);
        Assert.Contains("Ask for less", run.Errors);
    }
}
