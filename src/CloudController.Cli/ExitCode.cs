namespace CloudController.Cli;

/// <summary>What ccm's exit status means; scripts may rely on these values.</summary>
public enum ExitCode
{
    Success = 0,
    /// <summary>The server refused the request, or the task ended Failed or Aborted.</summary>
    Refused = 1,
    /// <summary>Bad or missing options.</summary>
    Usage = 2,
    NotFound = 3,
    /// <summary>The node could not be reached or did not answer.</summary>
    Unreachable = 4,
    /// <summary>No host has room for the request.</summary>
    NoCapacity = 5,
}
