using Akka.Configuration;
using CloudController.Cluster.Hosting;
using CloudController.Domain.Access;

namespace CloudController.Cluster.Access;

/// <summary>Whether API calls must carry a token, and where the first administrator's token is kept.</summary>
public sealed record AccessSettings(bool Enabled, string AdministratorTokenFile)
{
    public const string AdministratorName = "admin";

    public static AccessSettings FromConfig(SettingsSection c, string secretsDirectory) => new(
        c.Boolean("enabled"),
        c.String("administrator-token-file") is { Length: > 0 } file ? file : Path.Combine(secretsDirectory, "admin.token"));

    /// <summary>
    /// The first administrator's token: read from its file (a cluster mounts it from a secret), or made and written
    /// there, readable by the owner only, the first time. It only bootstraps: presented while no administrator exists,
    /// it makes one; after that it is an ordinary token of that user, replaced by `ccm users rotate admin`.
    /// </summary>
    public string AdministratorToken()
    {
        if (!File.Exists(AdministratorTokenFile))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(AdministratorTokenFile))!);
            try
            {
                ControllerSecrets.WriteSecret(AdministratorTokenFile, System.Text.Encoding.UTF8.GetBytes(AccessToken.New() + "\n"));
            }
            catch (IOException) when (File.Exists(AdministratorTokenFile))
            {
                // Another node or process made it first: theirs is the token.
            }
        }
        return File.ReadAllText(AdministratorTokenFile).Trim();
    }
}
