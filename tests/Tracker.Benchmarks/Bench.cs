using System.Globalization;
using System.Diagnostics;
using System.Runtime;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tracker.Core;
using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Sources.GitHub;
using Tracker.Core.Sources.HuggingFace;
using Tracker.Core.Sources.ModelScope;
using Tracker.Testing;

namespace Tracker.Benchmarks;

/// <summary>One phase's cost: wall time, the process's peak working set during it, bytes allocated, requests per source.</summary>
public sealed record Phase(string Name, double Seconds, double PeakMb, double AllocatedMb, Dictionary<string, int> Requests, Dictionary<string, RequestLog>? Seen, double CpuSeconds = 0)
{
    /// <summary>This process's share of <see cref="CpuSeconds"/> (the rest is the fakes').</summary>
    public double OwnCpuSeconds { get; init; }

    /// <summary>This process's CPU by thread name (threads of one name summed, as <see cref="ThreadCpu"/> gives them).</summary>
    public IReadOnlyDictionary<string, double> ThreadCpuSeconds { get; init; } = new Dictionary<string, double>();

    public int TotalRequests => Requests.Values.Sum();

    /// <summary>
    /// The cores' time during the phase that neither this process nor the fakes used: idle, or spent by the kernel's own
    /// threads (writeback). With the cores busy, a phase's wall time is about its CPU plus this, over the cores.
    /// </summary>
    public double UnusedCoreSeconds => Environment.ProcessorCount * Seconds - CpuSeconds;
}

public sealed record Report(
    int Scale, string Provider, Dictionary<string, int> Minimum, Phase Baseline, Phase Collection, Phase SecondRun, Phase NextDay,
    Dictionary<string, int> NextDayExpected, Dictionary<string, long> Rows, double ProcessPeakMb, List<string> Failures, double Ratio);

public static class Bench
{
    public const double MaxRatio = 1.3;
    public const double MaxPeakMb = 300;
    private static readonly string[] Sources = [Platform.HuggingFace, Platform.ModelScope, Platform.GitHub];

    public static async Task<Report> RunAsync(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Console.WriteLine($"Scale {options.Scale}, {options.Provider}, seed {options.Seed}; {Environment.ProcessorCount} cores, "
                          + $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC. Starting the fakes in their own process…");
        await using var server = await ServerProcess.StartAsync(options.Scale, options.Seed);
        var hello = server.Hello;
        Console.WriteLine($"Fakes ready: {hello.GetProperty("hfModels")} Hugging Face models ({hello.GetProperty("familyModels")} in the families), "
                          + $"{hello.GetProperty("derivatives")} derivatives over {hello.GetProperty("bases")} bases, "
                          + $"{hello.GetProperty("msModels")} ModelScope models, {hello.GetProperty("repos")} GitHub repositories.");
        var minimum = hello.GetProperty("minimum").Deserialize<Dictionary<string, int>>()!;
        var hf = new Uri(hello.GetProperty(Platform.HuggingFace).GetString()!);
        var ms = new Uri(hello.GetProperty(Platform.ModelScope).GetString()!);
        var gh = new Uri(hello.GetProperty(Platform.GitHub).GetString()!);

        if (options.Provider == DatabaseProviders.Postgres)
        {
            Environment.SetEnvironmentVariable(TestDatabase.PostgresVariable,
                options.Connection ?? throw new ArgumentException("--provider postgres needs --connection \"<admin connection string>\""));
        }

        await using var database = await TestDatabase.CreateAsync(options.Provider);
        var clock = new ShiftedTimeProvider();
        var settings = Settings(database);

        // One host, the app's wiring, for both phases: the baseline fetches and parses through the same HttpClients
        // (resilience, pacing and tally handlers) every response the collection will, reading each as the collection does
        // and storing nothing — GitHub's ETag cache is switched off for it (Storing), so every GitHub response is fetched
        // and parsed whole.
        using var host = await StartHostAsync(database, hf, ms, gh, clock, settings, s => s.AddSingleton<IHttpCacheStore>(
            sp => new SwitchableCacheStore(ActivatorUtilities.CreateInstance<DbHttpCacheStore>(sp))));
        var cache = (SwitchableCacheStore)host.Services.GetRequiredService<IHttpCacheStore>();
        var collector = host.Services.GetRequiredService<Collector>();
        Task<Dictionary<string, int>> FetchAndParseAsync()
        {
            cache.Storing = false;
            return Baseline.RunAsync(host.Services, CancellationToken.None);
        }

        Task<CollectionResult> CollectAsync(string trigger)
        {
            cache.Storing = true;
            return collector.RunAsync(trigger, CancellationToken.None);
        }

        // Both phases are measured warm, as a collection runs in a long-lived app: passes of each first, not measured.
        // Measured cold, whichever phase ran first paid for jitting the clients (HTTP, JSON, Octokit) and for warming the
        // fakes — the baseline did, and at scale 10 that was a third of its time. The collection's warm-ups jit the
        // storage code (and EF Core compiles its queries once per host); each is followed by emptying and migrating the
        // database again, so every measured collection starts from a new database as the first one did.
        await WarmUpAsync("fetch + parse", FetchAndParseAsync);
        await WarmUpAsync("a collection, then the database emptied", async () =>
        {
            await CollectAsync("benchmark warm-up");
            await EmptyDatabaseAsync(host.Services, database);
        });
        _ = await server.LogAsync();

        // Measured in pairs, one of each phase back to back, in alternating order (baseline first, then collection
        // first, …): these machines' speed drifts by a third within minutes, and measured minutes apart (every
        // baseline, then every collection) the drift went into the ratio. The target is the median of the pairs'
        // ratios. Each collection starts from an empty database; the last one's is kept for the runs that follow.
        CollectionResult? first = null;
        var baselines = new List<Phase>();
        var collections = new List<Phase>();
        for (var i = 1; i <= options.Pairs; i++)
        {
            if (i > 1)
            {
                await EmptyDatabaseAsync(host.Services, database);
                await SettleAsync();
                _ = await server.LogAsync();
            }

            async Task MeasureBaselineAsync()
            {
                var measured = await MeasureAsync(server, Numbered("baseline (fetch + parse)", i, options.Pairs), FetchAndParseAsync);
                baselines.Add(measured with { Seen = await server.LogAsync() });
            }

            async Task MeasureCollectionAsync()
            {
                var measured = await MeasureAsync(server, Numbered("collection", i, options.Pairs), async () =>
                {
                    first = await CollectAsync("benchmark");
                    return PerSource(first);
                });
                collections.Add(measured with { Seen = await server.LogAsync() });
            }

            if (i % 2 == 1)
            {
                await MeasureBaselineAsync();
                await MeasureCollectionAsync();
            }
            else
            {
                await MeasureCollectionAsync();
                await MeasureBaselineAsync();
            }
        }

        var pairRatios = collections.Zip(baselines, (c, b) => c.Seconds / b.Seconds).ToList();
        var ratio = MedianOf(pairRatios);
        var baseline = Median(baselines);
        // The median's wall time; the highest peak of them, the peak being a ceiling.
        var collection = Median(collections) with { PeakMb = collections.Max(c => c.PeakMb) };
        if (options.Pairs > 1)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  medians of {options.Pairs}: baseline {baseline.Seconds:F2} s ({string.Join(", ", baselines.Select(b => b.Seconds.ToString("F2", CultureInfo.InvariantCulture)))}), "
                + $"collection {collection.Seconds:F2} s ({string.Join(", ", collections.Select(c => c.Seconds.ToString("F2", CultureInfo.InvariantCulture)))}); "
                + $"pairs' ratios {string.Join(", ", pairRatios.Select(r => r.ToString("F2", CultureInfo.InvariantCulture)))}; "
                + $"the cores' time unused, medians: baseline {MedianOf(baselines.Select(b => b.UnusedCoreSeconds)):F2} s, collection {MedianOf(collections.Select(c => c.UnusedCoreSeconds)):F2} s"));
            // CPU is steadier than wall time on these machines: its medians tell a change of a few milliseconds of work.
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  CPU medians (ms): baseline {CpuMedians(baselines)}; collection {CpuMedians(collections)}"));
        }
        var rows = await CountRowsAsync(host.Services);
        await PrintSizesAsync(host.Services);
        Console.WriteLine("    time per source and kind (sum of runs): " + string.Join(", ", first!.Runs
            .GroupBy(r => $"{r.Source} {r.Kind}")
            .Select(g => $"{g.Key} {g.Sum(r => ((r.FinishedAt ?? r.StartedAt) - r.StartedAt).TotalSeconds):F1} s")));

        CollectionResult? again = null;
        var second = await MeasureAsync(server, "second run, same day", async () =>
        {
            again = await CollectAsync("benchmark");
            return PerSource(again);
        });
        second = second with { Seen = await server.LogAsync() };

        // The next day: 1% of the bases have new children; every counter is read again, lineage only where it grew.
        clock.Offset += TimeSpan.FromDays(1);
        var grown = await server.CommandAsync("grow " + clock.GetUtcNow().UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var grownBases = grown.GetProperty("bases").GetInt32();
        CollectionResult? next = null;
        var nextDay = await MeasureAsync(server, "next day", async () =>
        {
            next = await CollectAsync("benchmark");
            return PerSource(next);
        });
        nextDay = nextDay with { Seen = await server.LogAsync() };
        var hfLists = minimum["huggingface.list"];
        var nextExpected = new Dictionary<string, int>
        {
            [Platform.HuggingFace] = hfLists + hello.GetProperty("familyModels").GetInt32() + grownBases,
            [Platform.ModelScope] = minimum[Platform.ModelScope],
            [Platform.GitHub] = minimum[Platform.GitHub],
        };

        var report = new Report(options.Scale, options.Provider, minimum, baseline, collection, second, nextDay, nextExpected, rows,
            ProcessPeakMb(), [], ratio);
        Check(report, first!, again!, next!, report.Failures);
        Print(report, grown);
        return report;
    }

    /// <summary>
    /// A host as <see cref="CoreHost"/> builds it (the app's wiring) over <paramref name="database"/>, with the given
    /// service overrides applied last.
    /// </summary>
    internal static async Task<IHost> StartHostAsync(
        TestDatabase database, Uri hf, Uri ms, Uri gh, TimeProvider clock, Dictionary<string, string?> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = database.Folder });
        builder.Logging.ClearProviders();
        var config = new Dictionary<string, string?>(database.Settings) { ["HF_ENDPOINT"] = hf.AbsoluteUri };
        foreach (var (key, value) in CoreHost.SourceSettings(ms, gh).Concat(settings))
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.Services.AddSingleton(clock);
        builder.AddTrackerCore();
        configure?.Invoke(builder.Services);
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return host;
    }

    /// <summary>
    /// Empties the database under a running host and migrates it again, for a run that must start from nothing: the ETag
    /// cache's pending writes go first, and the write gate's connection and the cache's lookup connection are closed with
    /// the old file.
    /// </summary>
    internal static async Task EmptyDatabaseAsync(IServiceProvider services, TestDatabase database)
    {
        await services.GetRequiredService<IHttpCacheStore>().FlushAsync(CancellationToken.None);
        services.GetRequiredService<WriteGate>().Reset();
        var cache = services.GetRequiredService<IHttpCacheStore>();
        ((cache as SwitchableCacheStore)?.Store ?? cache as DbHttpCacheStore)?.Reset();
        await database.ResetAsync();
        await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    }

    /// <summary>
    /// The phase with the median wall time. These machines' speed drifts by a third within minutes (baselines of 8.5 to
    /// 12.3 s at scale 10 in one hour), so one measurement of each phase gave ratios anywhere from 1.2 to 2.0 for the same
    /// code; the medians of three each are steadier.
    /// </summary>
    private static Phase Median(List<Phase> phases) => phases.OrderBy(p => p.Seconds).ElementAt(phases.Count / 2);

    private static double MedianOf(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static string Numbered(string name, int i, int of) => of == 1 ? name : $"{name} {i}/{of}";

    /// <summary>
    /// Runs a phase's pass unmeasured until the runtime has little left to compile: a pass that still jitted
    /// <see cref="WarmJitMethods"/> methods or more (counting the tiered compiler's promotions it set off, waited for by
    /// <see cref="SettleAsync"/>) is followed by another, up to <see cref="MaxWarmUps"/>. One pass was not enough at scale 1:
    /// code that ran fewer than the tiered compiler's 30 calls in it (EF Core's update pipeline, run once per page) was
    /// promoted in the measured pass instead — 1,600–3,000 methods and 1.3–2.2 s of JIT CPU in a 2.5 s collection. Three
    /// passes with 600 methods as the bar still left the measured scale-1 collections 100–400 methods and 0.1–0.4 s of JIT
    /// in a 1.5 s phase, against 60–480 for the baseline: its third warm-up had jitted 800.
    /// </summary>
    internal static async Task WarmUpAsync(string name, Func<Task> pass)
    {
        for (var i = 1; ; i++)
        {
            var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            var watch = Stopwatch.StartNew();
            await pass();
            var took = watch.Elapsed;
            await SettleAsync();
            jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
            Console.WriteLine($"  warm-up {i} ({name}, not measured): {took.TotalSeconds:F1} s, {jitted} methods jitted");
            if (jitted < WarmJitMethods || i == MaxWarmUps)
            {
                return;
            }
        }
    }

    internal const int WarmJitMethods = 200;
    internal const int MaxWarmUps = 6;

    /// <summary>
    /// Waits until the runtime has stopped compiling (no method jitted for a second, at most 30 s): the tiered compiler
    /// promotes what a warm-up (and the migration after it) ran hot in the background, a few seconds after the fact, and
    /// on PostgreSQL that backlog — mostly EF Core's model-building code from the migration — fell into the measured
    /// collection (5,000 methods, 4 s of JIT CPU).
    /// </summary>
    internal static async Task SettleAsync()
    {
        var watch = Stopwatch.StartNew();
        var last = System.Runtime.JitInfo.GetCompiledMethodCount();
        var quietSince = watch.Elapsed;
        while (watch.Elapsed - quietSince < TimeSpan.FromSeconds(1) && watch.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
            var now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != last)
            {
                (last, quietSince) = (now, watch.Elapsed);
            }
        }

        Console.WriteLine($"  settled (no method jitted for a second) after {watch.Elapsed.TotalSeconds:F1} s");
    }

    internal static Dictionary<string, string?> Settings(TestDatabase database) => new()
    {
        // Pooled connections, as the app's own connection string has them (TestDatabase turns pooling off for its cleanup).
        ["ConnectionStrings:Tracker"] = database.Provider == DatabaseProviders.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString) { Pooling = true }.ToString()
            : database.ConnectionString,
        // Budgets wide open: the benchmark measures the work, not the pacing.
        ["Tracker:Pacing:HuggingFace:Requests"] = "1000000",
        ["Tracker:Pacing:HuggingFace:Window"] = "00:00:01",
    };

    private static Dictionary<string, int> PerSource(CollectionResult result) =>
        Sources.ToDictionary(s => s, s => result.Runs.Where(r => r.Source == s).Sum(r => r.Requests));

    /// <summary>A phase kind's CPU medians over the pairs: this process, the fakes, and this process by thread name.</summary>
    private static string CpuMedians(List<Phase> phases)
    {
        var byThread = string.Join(", ", phases.SelectMany(p => p.ThreadCpuSeconds.Keys).Distinct().Order(StringComparer.Ordinal)
            .Select(name => (Name: name, Ms: MedianOf(phases.Select(p => p.ThreadCpuSeconds.GetValueOrDefault(name))) * 1000))
            .Where(t => t.Ms >= 1).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Ms:F0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"this process {MedianOf(phases.Select(p => p.OwnCpuSeconds)) * 1000:F0}, the fakes {MedianOf(phases.Select(p => p.CpuSeconds - p.OwnCpuSeconds)) * 1000:F0} (by thread: {byThread})");
    }

    private static async Task<Phase> MeasureAsync(ServerProcess server, string name, Func<Task<Dictionary<string, int>>> work)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        ResetPeak();
        // Idempotent; on PostgreSQL nothing else has loaded SQLite, and its peak then reads 0.
        SQLitePCL.Batteries_V2.Init();
        SQLitePCL.raw.sqlite3_memory_highwater(1);
        var allocated = GC.GetTotalAllocatedBytes();
        var cpu = CpuSeconds();
        var fakesCpu = server.CpuSeconds;
        var fakesGc = await server.GcAsync();
        var (read, written) = IoBytes();
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitTime = System.Runtime.JitInfo.GetCompilationTime();
        var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var paused = GC.GetTotalPauseDuration();
        await using var threads = ThreadCpu.Start();
        var watch = Stopwatch.StartNew();
        var requests = await work();
        watch.Stop();
        var perThread = await threads.StopAsync();
        var fakesGcAfter = await server.GcAsync();
        var peak = PeakMb();
        var (ownCpu, fakesCpuUsed) = (CpuSeconds() - cpu, server.CpuSeconds - fakesCpu);
        var phase = new Phase(name, watch.Elapsed.TotalSeconds, peak, (GC.GetTotalAllocatedBytes() - allocated) / 1048576.0, requests, null, ownCpu + fakesCpuUsed)
        {
            OwnCpuSeconds = ownCpu,
            ThreadCpuSeconds = perThread.ToDictionary(t => t.Name, t => t.Seconds),
        };
        // CPU time of this process: on a machine shared with other work it is steadier than wall time.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name}: {phase.Seconds:F3} s, CPU {ownCpu:F3} s (the fakes' process {fakesCpuUsed:F2} s; the cores' time unused {phase.UnusedCoreSeconds:F2} s), "
            + $"peak working set {peak:F0} MB, {phase.TotalRequests} requests"));
        // Where the peak went: the managed heap's share and SQLite's own allocations (its page caches, statements).
        var gc = GC.GetGCMemoryInfo(GCKind.Any);
        var (readAfter, writtenAfter) = IoBytes();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    managed heap committed {gc.TotalCommittedBytes / 1048576.0:F0} MB after the last collection; SQLite peak {SQLitePCL.raw.sqlite3_memory_highwater(0) / 1048576.0:F0} MB; "
            + $"JIT {System.Runtime.JitInfo.GetCompiledMethodCount() - jitted} methods, {(System.Runtime.JitInfo.GetCompilationTime() - jitTime).TotalSeconds:F1} s; "
            + $"file I/O {(readAfter - read) / 1048576.0:F0} MB read, {(writtenAfter - written) / 1048576.0:F0} MB written; "
            + $"GCs {GC.CollectionCount(0) - gcs.Item1}/{GC.CollectionCount(1) - gcs.Item2}/{GC.CollectionCount(2) - gcs.Item3} (gen 0/1/2), paused {(GC.GetTotalPauseDuration() - paused).TotalSeconds:F2} s; "
            + $"the fakes' GCs {fakesGcAfter.Gen0 - fakesGc.Gen0}/{fakesGcAfter.Gen1 - fakesGc.Gen1}/{fakesGcAfter.Gen2 - fakesGc.Gen2}, paused {(fakesGcAfter.PausedMs - fakesGc.PausedMs) / 1000:F3} s"));
        Console.WriteLine("    CPU by thread: " + string.Join(", ", perThread.Where(t => t.Seconds >= 0.005).Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Seconds * 1000:F0} ms (waited for a core {t.WaitedSeconds * 1000:F0} ms)"))));
        return phase;
    }

    /// <summary>Resets the kernel's peak-RSS mark (VmHWM) of this process, so each phase's peak is its own.</summary>
    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux: the phase peaks are then the process's peak so far.
        }
    }

    internal static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>
    /// Bytes this process has read and written through read/write system calls, from /proc/self/io: the database's files
    /// (the sockets' send and receive calls are not counted there).
    /// </summary>
    internal static (long Read, long Written) IoBytes()
    {
        try
        {
            var lines = File.ReadAllLines("/proc/self/io");
            long Get(string key) => long.Parse(lines.First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim(), CultureInfo.InvariantCulture);
            return (Get("rchar:"), Get("wchar:"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return (0, 0);
        }
    }

    private static double PeakMb() => ReadStatusKb("VmHWM:") is { } kb ? kb / 1024.0 : ProcessPeakMb();

    private static double ProcessPeakMb()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }

    private static long? ReadStatusKb(string key)
    {
        try
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line is null ? null : long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<Dictionary<string, long>> CountRowsAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        return new Dictionary<string, long>
        {
            ["Models"] = await db.Models.LongCountAsync(),
            ["Snapshots"] = await db.Snapshots.LongCountAsync(),
            ["DerivativeBlocks"] = await db.DerivativeBlocks.LongCountAsync(),
            ["Derivatives (children in the blocks)"] = await db.DerivativeBlocks.SumAsync(b => (long?)b.Count) ?? 0,
            ["DerivativeCounts"] = await db.DerivativeCounts.LongCountAsync(),
            ["Repos"] = await db.Repos.LongCountAsync(),
            ["RepoSnapshots"] = await db.RepoSnapshots.LongCountAsync(),
            ["Releases"] = await db.Releases.LongCountAsync(),
        };
    }

    /// <summary>SQLite: the database's size, and the share of it that is the ETag cache's stored responses.</summary>
    private static async Task PrintSizesAsync(IServiceProvider services)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        if (!db.Database.IsSqlite())
        {
            return;
        }

        var pages = await db.Database.SqlQueryRaw<long>("SELECT page_count * page_size AS Value FROM pragma_page_count(), pragma_page_size()").SingleAsync();
        var cached = await db.HttpCache.SumAsync(e => (long?)e.Value.Length) ?? 0;
        var entries = await db.HttpCache.CountAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    database {pages / 1048576.0:F0} MB, of which ETag-cached responses {cached / 1048576.0:F0} MB ({entries} entries)"));
    }

    private static void Check(Report r, CollectionResult first, CollectionResult second, CollectionResult next, List<string> failures)
    {
        if (!first.Succeeded || !second.Succeeded || !next.Succeeded)
        {
            failures.Add($"a collection did not succeed: {first.Status}/{second.Status}/{next.Status} "
                         + string.Join("; ", first.Runs.Concat(second.Runs).Concat(next.Runs).Select(x => x.Error).OfType<string>().Distinct().Take(3)));
        }

        if (r.Ratio > MaxRatio)
        {
            failures.Add($"collection wall time {r.Ratio:F2} × the baseline's, the median of the pairs' ratios (medians {r.Collection.Seconds:F1} s and {r.Baseline.Seconds:F1} s; target ≤ {MaxRatio})");
        }

        if (r.Collection.PeakMb > MaxPeakMb)
        {
            failures.Add($"peak working set during the collection {r.Collection.PeakMb:F0} MB (target ≤ {MaxPeakMb} MB)");
        }

        foreach (var source in Sources)
        {
            if (r.Collection.Requests[source] != r.Minimum[source])
            {
                failures.Add($"{source}: the collection made {r.Collection.Requests[source]} requests, the minimum is {r.Minimum[source]}");
            }

            if (r.Collection.Seen![source].Requests != r.Collection.Requests[source])
            {
                failures.Add($"{source}: the collection recorded {r.Collection.Requests[source]} requests, the fake saw {r.Collection.Seen[source].Requests}");
            }

            if (r.Collection.Seen[source].Duplicates > 0)
            {
                failures.Add($"{source}: {r.Collection.Seen[source].Duplicates} requests repeated within the first run");
            }

            if (r.NextDay.Requests[source] != r.NextDayExpected[source])
            {
                failures.Add($"{source}: the next day's run made {r.NextDay.Requests[source]} requests, expected {r.NextDayExpected[source]}");
            }
        }

        if (r.SecondRun.TotalRequests != 0 || r.SecondRun.Seen!.Values.Sum(s => s.Requests) != 0)
        {
            failures.Add($"the second run the same day made {r.SecondRun.TotalRequests} requests (the fakes saw {r.SecondRun.Seen!.Values.Sum(s => s.Requests)}); nothing was owed");
        }
    }

    private static void Print(Report r, JsonElement grown)
    {
        Console.WriteLine();
        Console.WriteLine($"{"",-28}{"baseline",12}{"collection",12}{"2nd run",10}{"next day",10}");
        Console.WriteLine($"{"wall time (s)",-28}{r.Baseline.Seconds,12:F1}{r.Collection.Seconds,12:F1}{r.SecondRun.Seconds,10:F2}{r.NextDay.Seconds,10:F1}");
        Console.WriteLine($"{"peak working set (MB)",-28}{r.Baseline.PeakMb,12:F0}{r.Collection.PeakMb,12:F0}{r.SecondRun.PeakMb,10:F0}{r.NextDay.PeakMb,10:F0}");
        Console.WriteLine($"{"allocated (MB)",-28}{r.Baseline.AllocatedMb,12:F0}{r.Collection.AllocatedMb,12:F0}{r.SecondRun.AllocatedMb,10:F0}{r.NextDay.AllocatedMb,10:F0}");
        foreach (var s in Sources)
        {
            Console.WriteLine($"{"requests " + s,-28}{r.Baseline.Requests[s],12}{r.Collection.Requests[s],12}{r.SecondRun.Requests[s],10}{r.NextDay.Requests[s],10}");
        }

        foreach (var s in Sources)
        {
            Console.WriteLine($"{"  seen by fake / repeated",-28}{Seen(r.Baseline, s),12}{Seen(r.Collection, s),12}{Seen(r.SecondRun, s),10}{Seen(r.NextDay, s),10}");
        }

        Console.WriteLine();
        Console.WriteLine($"collection / baseline, median of the pairs' ratios: {r.Ratio:F2} (target ≤ {MaxRatio}); process peak working set {r.ProcessPeakMb:F0} MB");
        // Not a target: on two shared cores the phases are CPU-bound, and their CPU (this process's and the fakes') varies
        // less from run to run than their wall time.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"CPU, this process and the fakes': collection {r.Collection.CpuSeconds:F1} s / baseline {r.Baseline.CpuSeconds:F1} s = {r.Collection.CpuSeconds / r.Baseline.CpuSeconds:F2}"));
        Console.WriteLine($"minimum requests (first run): {string.Join(", ", r.Minimum.Select(kv => $"{kv.Key} {kv.Value}"))}");
        Console.WriteLine($"next day: {grown.GetProperty("children")} new children on {grown.GetProperty("bases")} bases; expected requests "
                          + string.Join(", ", r.NextDayExpected.Select(kv => $"{kv.Key} {kv.Value}")));
        Console.WriteLine("rows written: " + string.Join(", ", r.Rows.Select(kv => $"{kv.Key} {kv.Value}")));
    }

    private static string Seen(Phase p, string source) =>
        p.Seen is { } seen ? $"{seen[source].Requests}/{seen[source].Duplicates}" : "-";
}

/// <summary>
/// GitHub's ETag cache, switched off for the baseline (<see cref="Storing"/> false): nothing found, so every response is
/// fetched and parsed whole, and nothing stored. Switched on, the app's own store.
/// </summary>
public sealed class SwitchableCacheStore(DbHttpCacheStore store) : IHttpCacheStore, IAsyncDisposable
{
    public bool Storing { get; set; } = true;

    public DbHttpCacheStore Store => store;

    public Task<byte[]?> GetAsync(string key, CancellationToken ct) => Storing ? store.GetAsync(key, ct) : Task.FromResult<byte[]?>(null);

    public Task SetAsync(string key, byte[] value, CancellationToken ct) => Storing ? store.SetAsync(key, value, ct) : Task.CompletedTask;

    public Task FlushAsync(CancellationToken ct) => store.FlushAsync(ct);

    public ValueTask DisposeAsync() => store.DisposeAsync();
}

/// <summary>Fetch and parse what a collection fetches, in the same order and with the same parallelism (sources side by side), storing nothing.</summary>
public static class Baseline
{
    public static async Task<Dictionary<string, int>> RunAsync(IServiceProvider services, CancellationToken ct)
    {
        var catalog = services.GetRequiredService<FamilyCatalog>();
        var results = await Task.WhenAll(
            HuggingFaceAsync(catalog, services.GetRequiredService<HuggingFaceSource>(), services.GetRequiredService<IOptions<HuggingFaceOptions>>().Value.PageSize, ct),
            ModelScopeAsync(catalog, services.GetRequiredService<ModelScopeSource>(), ct),
            GitHubAsync(catalog, services.GetRequiredService<GitHubSource>(), ct));
        return new Dictionary<string, int> { [Platform.HuggingFace] = results[0], [Platform.ModelScope] = results[1], [Platform.GitHub] = results[2] };
    }

    private static async Task<int> HuggingFaceAsync(FamilyCatalog catalog, HuggingFaceSource source, int pageSize, CancellationToken ct)
    {
        var requests = 0;
        var models = new List<string>();
        foreach (var org in catalog.OrgsFor(Platform.HuggingFace))
        {
            await foreach (var page in source.ListModelsAsync(org, pageSize, ct))
            {
                requests += page.Requests;
                models.AddRange(page.Models
                    .Where(m => catalog.Match(Platform.HuggingFace, m.RepoId) is not null
                                && string.Equals(m.RepoId.Split('/')[0], org, StringComparison.OrdinalIgnoreCase))
                    .Select(m => m.RepoId));
            }
        }

        foreach (var id in models)
        {
            var count = (await source.GetChildrenCountAsync(id, ct))!;
            requests += count.Requests;
            if (count.Total is > 0)
            {
                // Parsed into their values — the rows: ids as strings, times, counters — as the collection reads a page off the
                // hub's usual form, here on the chain of requests, one page before the next request, and stored nowhere. (The
                // collection's writer transcodes a usual page straight into the block it stores, with no row or string per
                // child: a saving of the storing side, which has no counterpart here.)
                await foreach (var page in source.ListChildrenUnparsedAsync(id, pageSize, ct))
                {
                    using (page)
                    {
                        requests += page.Requests;
                        _ = DerivativePage.Read(page.Body, id, page.Label, page.Number).Count(r => r.Relation is not null);
                    }
                }
            }
        }

        return requests;
    }

    private static async Task<int> ModelScopeAsync(FamilyCatalog catalog, ModelScopeSource source, CancellationToken ct)
    {
        var requests = 0;
        foreach (var org in catalog.OrgsFor(Platform.ModelScope))
        {
            await foreach (var page in source.ListModelsAsync(org, ct))
            {
                requests += page.Requests;
                _ = page.Models.Count(m => catalog.Match(Platform.ModelScope, m.RepoId) is not null);
            }
        }

        return requests;
    }

    private static async Task<int> GitHubAsync(FamilyCatalog catalog, GitHubSource source, CancellationToken ct)
    {
        using var meter = GitHubRequestMeter.Start();
        var targets = catalog.Families.SelectMany(f => f.Rules[Platform.GitHub]).Select(r => r.Repo ?? r.Org!).Distinct(StringComparer.OrdinalIgnoreCase);
        foreach (var target in targets)
        {
            var repos = target.Contains('/', StringComparison.Ordinal)
                ? [target]
                : (await source.ListOrgReposAsync(target, ct)).Select(r => r.FullName).Where(n => catalog.Match(Platform.GitHub, n) is not null).ToList();
            foreach (var repo in repos)
            {
                var parts = repo.Split('/');
                _ = await source.GetRepoAsync(parts[0], parts[1], ct);
            }
        }

        return meter.Requests;
    }
}
