using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Catalog;
using Tracker.Testing;

namespace Tracker.Benchmarks;

/// <summary>
/// The derivative writer alone (<c>-- store</c>): the benchmark ecosystem's children, as the Hugging Face fake lists them
/// (per base, newest first, pages of 1,000), handed to one <see cref="WriteBehind"/> as fast as it takes them, on a fresh
/// database. No fakes and no HTTP: what storing the model tree costs, and nothing else, steadier than the collection's
/// wall time. A warm-up pass over the first pages runs first, then the database is emptied and migrated again, and the
/// base models are stored before the measurement starts.
/// </summary>
public static class StoreBench
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ecosystem = ScaledEcosystem.Generate(options.Scale, options.Seed);
        var pages = Pages(ecosystem);
        Console.WriteLine($"Store: scale {options.Scale}, {options.Provider}; {pages.Sum(p => p.Rows.Count)} derivatives in {pages.Count} pages over {ecosystem.Children.Count} bases.");
        if (options.Provider == DatabaseProviders.Postgres)
        {
            Environment.SetEnvironmentVariable(TestDatabase.PostgresVariable,
                options.Connection ?? throw new ArgumentException("--provider postgres needs --connection \"<admin connection string>\""));
        }

        await using var database = await TestDatabase.CreateAsync(options.Provider);
        var loopback = new Uri("http://127.0.0.1:9/");
        using var host = await Bench.StartHostAsync(database, loopback, loopback, loopback, TimeProvider.System, Bench.Settings(database));
        var services = host.Services;

        var warmUp = pages.Take(pages.Count / 20).ToList();
        await StoreAsync(services, await AddBasesAsync(services, ecosystem, warmUp), warmUp);
        await Bench.EmptyDatabaseAsync(services, database);
        // The base models are stored before the clock starts: the measurement is the children's writer alone.
        var ids = await AddBasesAsync(services, ecosystem, pages);
        await Bench.SettleAsync();

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var cpu = Bench.CpuSeconds();
        var (read, written) = Bench.IoBytes();
        await using var threads = ThreadCpu.Start();
        var watch = Stopwatch.StartNew();
        await StoreAsync(services, ids, pages);
        watch.Stop();
        var perThread = await threads.StopAsync();
        var (readAfter, writtenAfter) = Bench.IoBytes();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  stored in {watch.Elapsed.TotalSeconds:F1} s, CPU {Bench.CpuSeconds() - cpu:F1} s; "
            + $"file I/O {(readAfter - read) / 1048576.0:F0} MB read, {(writtenAfter - written) / 1048576.0:F0} MB written"));
        Console.WriteLine("  CPU by thread: " + string.Join(", ", perThread.Where(t => t.Seconds >= 0.05)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Name} {t.Seconds:F1} s"))));
        await using var db = await services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        var stored = await db.DerivativeBlocks.SumAsync(b => (long?)b.Count) ?? 0;
        Console.WriteLine($"  children: {stored} in {await db.DerivativeBlocks.CountAsync()} blocks");
        return stored == pages.Sum(p => p.Rows.Count) ? 0 : 1;
    }

    /// <summary>Each base's children as its lineage pages: newest first, 1,000 a page, as the fake (and the Hub) list them.</summary>
    private static List<(string Base, IReadOnlyList<DerivativeRow> Rows)> Pages(ScaledEcosystem ecosystem) =>
        [.. ecosystem.Children.SelectMany(kv => kv.Value
            .OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)
            .Chunk(1000)
            .Select(page => (kv.Key, (IReadOnlyList<DerivativeRow>)[.. page.Select(c => new DerivativeRow(c.Id, c.Relation, c.CreatedAt, c.Downloads, c.DownloadsAllTime, c.Likes))])))];

    /// <summary>The pages' base models, as the listing stores them; their ids by repository.</summary>
    private static async Task<Dictionary<string, long>> AddBasesAsync(
        IServiceProvider services, ScaledEcosystem ecosystem, List<(string Base, IReadOnlyList<DerivativeRow> Rows)> pages)
    {
        var now = DateTime.UtcNow;
        var families = ecosystem.HuggingFace.ToDictionary(m => m.Id, m => m.Family);
        await using var db = await services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        foreach (var name in pages.Select(p => p.Base).Distinct())
        {
            db.Models.Add(new TrackedModel
            {
                Source = Platform.HuggingFace,
                RepoId = name,
                RepoKey = name.ToLowerInvariant(),
                Author = name.Split('/')[0],
                FamilyId = families[name]!,
                FirstSeenAt = now,
                LastSeenAt = now,
            });
        }

        await db.SaveChangesAsync();
        return await db.Models.ToDictionaryAsync(m => m.RepoId, m => m.Id);
    }

    private static async Task StoreAsync(IServiceProvider services, Dictionary<string, long> ids, List<(string Base, IReadOnlyList<DerivativeRow> Rows)> pages)
    {
        var now = DateTime.UtcNow;
        await using var writes = WriteBehind.Start(services.GetRequiredService<WriteGate>(), CancellationToken.None, 32);
        foreach (var (name, rows) in pages)
        {
            var id = ids[name];
            await writes.EnqueueAsync((db, ct) => SnapshotWriter.WriteDerivativesAsync(db, id, rows, now, null, ct), CancellationToken.None);
        }

        await writes.CompleteAsync();
    }
}
