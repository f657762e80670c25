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
        var trusted = Convert.FromBase64String(data.Required("controller.key"));
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        var agentKey = generator.GenerateKeyPair();

        byte[] bundle;
        try
        {
            var reply = await client.Activation.ActivateAsync(new ActivateRequest
            {
                Token = data.Required("activation.token"), Hostname = hostname, Ip = ip,
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
            await client.Activation.ReportFailureAsync(new ReportFailureRequest { Hostname = hostname, Reason = verification.Failure, Token = data.Required("activation.token") }, cancellationToken: ct);
            return 4;
        }
        foreach (var file in FirstBootInstaller.Install(material, root)) log.WriteLine($"installed {file}");
        log.WriteLine($"activated machine {material.MachineGuid:N}");
        return 0;
    }
}

/// <summary>The controller services the agent calls.</summary>
public sealed class V1Client(CallInvoker invoker)
{
    public Api.V1.Activation.ActivationClient Activation { get; } = new(invoker);
}
