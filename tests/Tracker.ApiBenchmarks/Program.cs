using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.EntityFrameworkCore;
using Tracker.ApiBenchmarks;
using Tracker.Core.Data;

// dotnet run -c Release --project tests/Tracker.ApiBenchmarks [-- --seconds 10] [--postgres "Host=127.0.0.1;Port=55435;Username=postgres"]
var seconds = ArgValue(args, "--seconds") is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : 10;
var postgresAdmin = ArgValue(args, "--postgres");
var configuration = typeof(Seeder).Assembly.Location.Contains("/release/", StringComparison.OrdinalIgnoreCase) ? "release" : "debug";
var root = FindRoot();
var app = Path.Combine(root, "artifacts", "bin", "Tracker.Web", configuration, "Tracker.Web.dll");
if (!File.Exists(app))
{
    Console.Error.WriteLine($"Build the app first: {app} is missing.");
    return 2;
}

var failed = false;
var work = Directory.CreateTempSubdirectory("tracker-bench-");
try
{
    failed |= !await RunAsync("sqlite", $"Data Source={Path.Combine(work.FullName, "tracker.db")}", null);
    if (postgresAdmin is not null)
    {
        var database = "tracker_bench_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var connection = postgresAdmin.TrimEnd(';') + ";Database=" + database;
        failed |= !await RunAsync("postgres", connection, (postgresAdmin, database));
    }
}
finally
{
    work.Delete(recursive: true);
}

return failed ? 1 : 0;

async Task<bool> RunAsync(string provider, string connectionString, (string Admin, string Database)? dropAfter)
{
    Console.WriteLine($"== {provider}: seeding 4 families × 500 models × 730 days ...");
    var seedClock = Stopwatch.StartNew();
    await using (var db = Seeder.Context(provider, connectionString))
    {
        await db.Database.EnsureDeletedAsync();
        await db.Database.MigrateAsync();
        await Seeder.SeedAsync(db, families: ["qwen", "deepseek", "hunyuan", "ernie"], modelsPerFamily: 500, days: 730);
    }

    Console.WriteLine($"   seeded in {seedClock.Elapsed.TotalSeconds:F0} s");
    var port = FreePort();
    var baseUrl = $"http://127.0.0.1:{port}";
    using var server = StartApp(app, root, baseUrl, provider, connectionString);
    try
    {
        using var load = new LoadClient(baseUrl, connections: 32, apiKey: "bench");
        await load.WaitUntilUpAsync(TimeSpan.FromSeconds(60));
        var duration = TimeSpan.FromSeconds(seconds);
        var warmUp = TimeSpan.FromSeconds(Math.Max(2, seconds / 5));
        var families = "/api/v1/families";
        var series = "/api/v1/families/qwen/series?metric=downloadsAllTime";
        var familiesTag = await load.ETagAsync(families);
        var seriesTag = await load.ETagAsync(series);

        // One run, measured back to back, so the ratios share the machine's noise.
        var trivial = await load.MeasureAsync("GET /api/v1/ping (trivial)", "/api/v1/ping", null, warmUp, duration);
        var f = await load.MeasureAsync("GET /api/v1/families", families, null, warmUp, duration);
        var sr = await load.MeasureAsync("GET /api/v1/families/qwen/series", series, null, warmUp, duration);
        var f304 = await load.MeasureAsync("GET /api/v1/families → 304", families, familiesTag, warmUp, duration);
        var s304 = await load.MeasureAsync("GET …/series → 304", series, seriesTag, warmUp, duration);

        Console.WriteLine();
        Console.WriteLine($"{provider}: 32 connections, {seconds} s per endpoint after {warmUp.TotalSeconds:F0} s warm-up");
        Console.WriteLine($"{"endpoint",-36} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"× trivial",10} {"target",18} {"ok",4}");
        var ok = true;
        Row(trivial, null, null);
        Row(f, 0.5, 20);
        Row(sr, 0.5, 20);
        Row(f304, 0.8, null);
        Row(s304, 0.8, null);
        return ok;

        void Row(LoadResult r, double? minRatio, double? maxP99)
        {
            var ratio = r.Throughput / trivial.Throughput;
            var pass = r.Errors == 0 && (minRatio is null || ratio >= minRatio) && (maxP99 is null || r.P99Ms <= maxP99);
            ok &= pass;
            var target = minRatio is null ? "" : $"≥{minRatio:0.0}×" + (maxP99 is null ? "" : $", p99≤{maxP99:0}ms");
            Console.WriteLine($"{r.Name,-36} {r.Throughput,10:F0} {r.P50Ms,8:F2} {r.P99Ms,8:F2} {r.Errors,7} {ratio,10:F2} {target,18} {(pass ? "yes" : "NO"),4}");
        }
    }
    finally
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
        if (dropAfter is { } drop)
        {
            await using var db = Seeder.Context("postgres", drop.Admin.TrimEnd(';') + ";Database=" + drop.Database);
            await db.Database.EnsureDeletedAsync();
        }
    }
}

static Process StartApp(string app, string root, string baseUrl, string provider, string connectionString)
{
    var start = new ProcessStartInfo("dotnet", [app])
    {
        WorkingDirectory = Path.Combine(root, "src", "Tracker.Web"),
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    var env = start.Environment;
    env["ASPNETCORE_URLS"] = baseUrl;
    env["ASPNETCORE_ENVIRONMENT"] = "Production";
    env["ASPNETCORE_CONTENTROOT"] = Path.Combine(root, "src", "Tracker.Web");
    env["Tracker__Database__Provider"] = provider;
    env["ConnectionStrings__Tracker"] = connectionString;
    env["Tracker__Jobs__CollectWhenStale"] = "false";
    // Nothing may leave the machine: no source is reachable, none is asked.
    env["HF_ENDPOINT"] = "http://127.0.0.1:9/";
    env["Tracker__ModelScope__Enabled"] = "false";
    env["Tracker__GitHub__Enabled"] = "false";
    // The rate limiter stays in the pipeline; the benchmark's key has a bucket it cannot empty.
    env["Tracker__Api__Keys__0"] = "bench";
    env["Tracker__Api__KeyPermitLimit"] = "1000000000";
    env["Tracker__Api__KeyTokensPerPeriod"] = "1000000000";
    env["Logging__LogLevel__Default"] = "Warning";
    var process = Process.Start(start)!;
    process.OutputDataReceived += (_, e) => { };
    process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("app: " + e.Data); } };
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    return process;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Tracker.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Tracker.sln not found above " + AppContext.BaseDirectory);
}

static string? ArgValue(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
