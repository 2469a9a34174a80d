using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using Tracker.Testing;

namespace Tracker.Web.Tests.Collect;

public sealed record CollectRun(int ExitCode, string Stdout, string Stderr);

/// <summary>The built app run as its own process: <c>dotnet Tracker.Web.dll collect</c>, beside the test assembly.</summary>
public sealed class CollectProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CollectProcess(Process process) => _process = process;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static CollectProcess Start(TestDatabase database, Uri hub, IReadOnlyDictionary<string, string>? environment = null)
    {
        var folder = AppContext.BaseDirectory;
        var app = Path.Combine(folder, "Tracker.Web.dll");
        Assert.True(File.Exists(app), $"{app} is missing: the test project should reference Tracker.Web");

        var dotnet = Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
        var info = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(app);
        info.ArgumentList.Add("collect");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Tracker__Database__Provider"] = database.Provider;
        info.Environment["ConnectionStrings__Tracker"] = database.ConnectionString;
        info.Environment["HF_ENDPOINT"] = hub.AbsoluteUri;
        info.Environment["Tracker__ModelScope__Enabled"] = "false";
        info.Environment["Tracker__GitHub__Enabled"] = "false";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var collect = new CollectProcess(process);
        process.OutputDataReceived += (_, e) => Append(collect._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(collect._stderr, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return collect;
    }

    /// <summary>Runs to the end and returns the exit code; fails the test if it takes longer than a minute.</summary>
    public static async Task<CollectRun> RunAsync(TestDatabase database, Uri hub, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var run = Start(database, hub, environment);
        var code = await run.WaitAsync(TimeSpan.FromSeconds(60));
        return new CollectRun(code, run.Stdout, run.Stderr);
    }

    public async Task<int> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            Assert.Fail($"collect did not finish within {timeout}. stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        _process.WaitForExit(); // flush the redirected streams
        return _process.ExitCode;
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>A number from the database file, read without holding it open.</summary>
    public static long Scalar(string sqliteConnectionString, string sql)
    {
        using var connection = new SqliteConnection(sqliteConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar() ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is not null)
        {
            lock (buffer)
            {
                buffer.AppendLine(line);
            }
        }
    }
}
