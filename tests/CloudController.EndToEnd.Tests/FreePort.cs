using System.Net;
using System.Net.Sockets;

namespace CloudController.EndToEnd.Tests;

/// <summary>A loopback port nothing listens on now, for a listener a test configures by address.</summary>
public static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
