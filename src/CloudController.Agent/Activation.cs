using CloudController.Api.V1;
using CloudController.FirstBoot;
using Grpc.Core;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace CloudController.Agent;

/// <summary>
/// First boot: ask the controller for this VM's set with the one-time token from the provisioning data, verify it
/// against the controller key from the same data (never a key in the answer), and only then install it. A bundle that
/// fails verification is not installed, and the controller is told why.
/// </summary>
public sealed class Activation(V1Client client, TextWriter log)
{
    public async Task<int> RunAsync(GuestData data, string root, CancellationToken ct)
    {
        var hostname = data.Required("hostname");
        var ip = data.Optional("ip");
        var token = data.Required("activation.token");
        // Checked before the token is spent: a key that can verify nothing would waste the VM's only activation.
        if (TrustedKey(data.Required("controller.key"), out var problem) is not { } trusted)
        {
            log.WriteLine($"activation not attempted, the token is kept: {problem}");
            await ReportAsync(hostname, problem, token, ct);
            return 2;
        }
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        var agentKey = generator.GenerateKeyPair();

        byte[] bundle;
        try
        {
            var reply = await client.Activation.ActivateAsync(new ActivateRequest
            {
                Token = token, Hostname = hostname, Ip = ip,
                AgentPublicKey = Google.Protobuf.ByteString.CopyFrom(((X25519PublicKeyParameters)agentKey.Public).GetEncoded()),
            }, cancellationToken: ct);
            bundle = reply.Bundle.ToByteArray();
        }
        catch (RpcException e)
        {
            log.WriteLine($"activation refused: {e.Status.Detail}");
            return 3;
        }

        var verification = BundleVerifier.Open(bundle, trusted, (X25519PrivateKeyParameters)agentKey.Private, hostname, ip, DateTimeOffset.UtcNow);
        if (verification.Material is not { } material)
        {
            log.WriteLine($"activation bundle rejected, nothing installed: {verification.Failure}");
            await ReportAsync(hostname, verification.Failure!, token, ct);
            return 4;
        }
        foreach (var file in FirstBootInstaller.Install(material, root)) log.WriteLine($"installed {file}");
        log.WriteLine($"activated machine {material.MachineGuid:N}");
        return 0;
    }

    /// <summary>The controller key from the provisioning data, or null with why it cannot be trusted.</summary>
    private static byte[]? TrustedKey(string base64, out string problem)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            problem = "controller.key in the provisioning data is not base64; it must be the controller's Ed25519 public key (32 bytes) in base64";
            return null;
        }
        problem = BundleVerifier.TrustedKeyProblem(key) is { } why ? $"controller.key in the provisioning data: {why}" : "";
        return problem.Length == 0 ? key : null;
    }

    /// <summary>Tells the operators why this VM has no set; a controller that cannot be told is logged, not fatal.</summary>
    private async Task ReportAsync(string hostname, string reason, string token, CancellationToken ct)
    {
        try
        {
            await client.Activation.ReportFailureAsync(new ReportFailureRequest { Hostname = hostname, Reason = reason, Token = token }, cancellationToken: ct);
        }
        catch (RpcException e)
        {
            log.WriteLine($"the failure could not be reported to the controller: {e.Status.Detail}");
        }
    }
}

/// <summary>The controller services the agent calls.</summary>
public sealed class V1Client(CallInvoker invoker)
{
    public Api.V1.Activation.ActivationClient Activation { get; } = new(invoker);
}
