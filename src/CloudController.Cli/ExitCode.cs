namespace CloudController.Cli;

/// <summary>What ccm's exit status means; scripts may rely on these values.</summary>
public enum ExitCode
{
    Success = 0,
    Refused = 1,
    Usage = 2,
    NotFound = 3,
    Unreachable = 4,
    NoCapacity = 5,
    Stalled = 6,
}

public static class ExitCodeMeaning
{
    /// <summary>The one-line meaning `ccm help` prints, so the documentation cannot drift from the enum.</summary>
    public static string Meaning(this ExitCode code) => code switch
    {
        ExitCode.Success => "success",
        ExitCode.Refused => "the node refused the request, or the task ended Failed or Aborted",
        ExitCode.Usage => "usage error: bad or missing options, or a request the node found invalid",
        ExitCode.NotFound => "not found",
        ExitCode.Unreachable => "the node is unreachable or unavailable",
        ExitCode.NoCapacity => "resources exhausted: no host has room",
        ExitCode.Stalled => "gave up waiting: nothing moved for the stall timeout (the work goes on)",
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, null),
    };
}
