using CloudController.Cluster.Hosting;

namespace CloudController.Cluster.Tests;

/// <summary>Controller secrets made once for the test run, in a temporary directory.</summary>
public static class TestSecrets
{
    public static ControllerSecrets Instance { get; } = ControllerSecrets.LoadOrCreate(Directory.CreateTempSubdirectory("cc-secrets-").FullName);
}
