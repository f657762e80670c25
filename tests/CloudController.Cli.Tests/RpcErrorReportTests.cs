using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Spectre.Console.Testing;

namespace CloudController.Cli.Tests;

public class RpcErrorReportTests
{
    private static (ExitCode Code, string Errors) Report(RpcException error)
    {
        var errors = new StringWriter();
        using var session = new CcmSession(new Uri("http://127.0.0.1:5400"), OutputFormat.Table, new TestConsole(), errors);
        return (RpcErrorReport.Write(error, session), errors.ToString());
    }

    [Theory]
    [InlineData(StatusCode.NotFound, ExitCode.NotFound)]
    [InlineData(StatusCode.ResourceExhausted, ExitCode.NoCapacity)]
    [InlineData(StatusCode.Unavailable, ExitCode.Unreachable)]
    [InlineData(StatusCode.DeadlineExceeded, ExitCode.Unreachable)]
    [InlineData(StatusCode.FailedPrecondition, ExitCode.Refused)]
    [InlineData(StatusCode.AlreadyExists, ExitCode.Refused)]
    [InlineData(StatusCode.InvalidArgument, ExitCode.Usage)]
    [InlineData(StatusCode.Internal, ExitCode.Refused)]
    public void Each_status_code_has_its_exit_code(StatusCode status, ExitCode expected)
    {
        var (code, errors) = Report(new RpcException(new Grpc.Core.Status(status, "the detail")));
        Assert.Equal(expected, code);
        Assert.Contains("the detail", errors);
    }

    [Fact]
    public void Every_status_code_maps_to_a_failure_exit_code()
    {
        foreach (var status in System.Enum.GetValues<StatusCode>().Where(s => s != StatusCode.OK))
        {
            var (code, errors) = Report(new RpcException(new Grpc.Core.Status(status, "the detail")));
            Assert.True(System.Enum.IsDefined(code) && code != ExitCode.Success, $"{status} mapped to {code}");
            Assert.Contains("the detail", errors);
        }
    }

    [Fact]
    public void A_node_that_cannot_be_reached_is_explained_with_how_to_start_one()
    {
        var refused = new HttpRequestException("Connection refused (127.0.0.1:5400)");
        var (code, errors) = Report(new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "Error connecting to subchannel.", refused)));

        Assert.Equal(ExitCode.Unreachable, code);
        Assert.Contains("The node at http://127.0.0.1:5400/ is not reachable", errors);
        Assert.Contains("`dotnet run --project src/CloudController.Node`", errors);
        Assert.Contains("--endpoint or CCM_ENDPOINT", errors);
    }

    [Fact]
    public void A_transport_that_breaks_mid_handshake_is_unreachable_with_the_scheme_to_try()
    {
        // What plain HTTP/2 against a TLS port gives: the client's own transport fails, so Internal carries an exception.
        var broken = new HttpRequestException("The HTTP/2 server closed the connection.");
        var (code, errors) = Report(new RpcException(new Grpc.Core.Status(StatusCode.Internal, "Error starting gRPC call.", broken)));

        Assert.Equal(ExitCode.Unreachable, code);
        Assert.Contains("did not answer as a gRPC server", errors);
        Assert.Contains("use an https:// endpoint", errors);
    }

    [Fact]
    public void A_node_that_answers_unavailable_is_up_and_asked_again_later()
    {
        var (code, errors) = Report(new RpcException(new Grpc.Core.Status(StatusCode.Unavailable, "the cluster is still forming")));

        Assert.Equal(ExitCode.Unreachable, code);
        Assert.Contains("is up but unavailable: the cluster is still forming", errors);
        Assert.DoesNotContain("dotnet run", errors);
    }

    [Fact]
    public void Every_field_violation_of_a_bad_request_is_listed()
    {
        var badRequest = new BadRequest
        {
            FieldViolations =
            {
                new BadRequest.Types.FieldViolation { Field = "hostname", Description = "'Web_01' contains '_'. Use 'web-01'" },
                new BadRequest.Types.FieldViolation { Field = "overrides.memory_mib", Description = "512 MiB is below the minimum. --memory 1024 would fit" },
            },
        };
        var error = new Google.Rpc.Status { Code = (int)Code.InvalidArgument, Message = "2 problems", Details = { Any.Pack(badRequest) } }.ToRpcException();

        var (code, errors) = Report(error);

        Assert.Equal(ExitCode.Usage, code);
        Assert.Contains("2 problems", errors);
        Assert.Contains("  hostname: 'Web_01' contains '_'. Use 'web-01'", errors);
        Assert.Contains("  overrides.memory_mib: 512 MiB is below the minimum. --memory 1024 would fit", errors);
    }
}
