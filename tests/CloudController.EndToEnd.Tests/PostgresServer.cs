using System.Diagnostics;

namespace CloudController.EndToEnd.Tests;

/// <summary>
/// A throwaway PostgreSQL server on 127.0.0.1 and a free port, from Debian's postgresql package (which `.ci/run`
/// installs): a fresh cluster in a temporary directory, trusting local connections, removed on dispose. PostgreSQL
/// refuses to run as root, so as root it runs as the package's postgres user.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dir;

    private PostgresServer(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
        if (bin is null) throw new InvalidOperationException("PostgreSQL is not installed: apt-get install postgresql (.ci/run does).");
        var dir = Directory.CreateTempSubdirectory("cc-pg-").FullName;
        var port = FreePort.Next();
        var server = new PostgresServer(bin, dir, port);
        if (Environment.UserName == "root") await RunAsync("chown", "-R", "postgres:postgres", dir);
        await server.AsPostgresAsync(Path.Combine(bin, "initdb"), "-D", Path.Combine(dir, "data"), "--auth=trust", "-U", "postgres");
        await server.AsPostgresAsync(Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(dir, "data"), "-w", "-l", Path.Combine(dir, "log"),
            "-o", $"-p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start");
        return server;
    }

    /// <summary>Everything the server holds, as <c>pg_dump</c> writes it.</summary>
    public async Task<byte[]> DumpAsync()
    {
        var file = Path.Combine(_dir, "dump.sql");
        await AsPostgresAsync(Path.Combine(_bin, "pg_dump"), "-h", "127.0.0.1", "-p", Port.ToString(), "-U", "postgres", "-f", file, "postgres");
        return await File.ReadAllBytesAsync(file);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await AsPostgresAsync(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop");
        }
        finally
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private Task AsPostgresAsync(string program, params string[] args) =>
        Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", program, .. args]) : RunAsync(program, args);

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await errors}");
    }
}
