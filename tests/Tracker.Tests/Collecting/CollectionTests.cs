using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Sources;
using Tracker.Core.Stats;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>Collections end to end against the loopback hub, on a SQLite file and on a real PostgreSQL server.</summary>
public sealed class CollectionTests
{
    private static readonly string[] Families = ["qwen", "deepseek", "hunyuan", "ernie"];

    private sealed class Rig : IAsyncDisposable
    {
        public required FakeHuggingFaceHub Hub { get; init; }
        public required TestDatabase Database { get; init; }
        public required IHost Host { get; init; }
        public required ShiftedTimeProvider Clock { get; init; }

        public Collector Collector => Host.Services.GetRequiredService<Collector>();
        public TrackerQueries Queries => Host.Services.GetRequiredService<TrackerQueries>();

        public TrackerDbContext Db() => Host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContext();

        public static async Task<Rig> StartAsync(
            string provider, List<FakeModel> models, Dictionary<string, string?>? settings = null, Dictionary<string, List<FakeChild>>? children = null)
        {
            var hub = await FakeHuggingFaceHub.StartAsync(models);
            foreach (var (id, list) in children ?? [])
            {
                hub.Children[id] = list;
            }

            var database = await TestDatabase.CreateAsync(provider);
            var clock = new ShiftedTimeProvider();
            clock.SetDay(new DateOnly(2026, 11, 20));
            var host = await CoreHost.StartAsync(database, hub.Endpoint, clock, settings);
            return new Rig { Hub = hub, Database = database, Host = host, Clock = clock };
        }

        public async ValueTask DisposeAsync()
        {
            Host.Dispose();
            await Hub.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Collect_Stores_Family_Totals_Equal_To_The_Hub_Sums(string provider)
    {
        var models = Ecosystem.Generate(seed: 11, perFamily: 15);
        await using var rig = await Rig.StartAsync(provider, models);

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(6, result.Runs.Count(r => r.Kind == RunKinds.Models));
        Assert.Equal(4, result.Runs.Count(r => r.Kind == RunKinds.Derivatives));
        var families = await rig.Queries.GetFamiliesAsync(CancellationToken.None);
        foreach (var id in Families)
        {
            var expected = Ecosystem.Expected(models, id);
            var family = families.Single(f => f.Id == id);
            Assert.Equal(expected.Models, family.Totals.Models);
            Assert.Equal(expected.DownloadsAllTime, family.Totals.DownloadsAllTime);
            Assert.Equal(expected.Downloads30d, family.Totals.Downloads30d);
            Assert.Equal(expected.Likes, family.Totals.Likes);
            Assert.Equal(family.Totals, family.ByPlatform["huggingface"]);
            Assert.NotNull(family.AsOf);
        }

        // Distractors in tencent, baidu and PaddlePaddle are listed but not stored.
        await using var db = rig.Db();
        Assert.Equal(models.Count(m => m.Family is not null), await db.Models.CountAsync());
        Assert.True(result.Runs.Single(r => r.Org == "tencent").Requests >= 1);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Collect_Twice_On_One_Day_Leaves_The_Same_Rows(string provider)
    {
        var models = Ecosystem.Generate(seed: 12, perFamily: 10);
        await using var rig = await Rig.StartAsync(provider, models);

        await rig.Collector.RunAsync("test", CancellationToken.None);
        await using var db = rig.Db();
        var modelsAfterFirst = await db.Models.AsNoTracking().OrderBy(m => m.Id).Select(m => new { m.Id, m.RepoId, m.DownloadsAllTime }).ToListAsync();
        var snapshotsAfterFirst = await db.Snapshots.AsNoTracking().OrderBy(s => s.ModelId).Select(s => new { s.ModelId, s.Day, s.DownloadsAllTime }).ToListAsync();
        await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(modelsAfterFirst, await db.Models.AsNoTracking().OrderBy(m => m.Id).Select(m => new { m.Id, m.RepoId, m.DownloadsAllTime }).ToListAsync());
        Assert.Equal(snapshotsAfterFirst, await db.Snapshots.AsNoTracking().OrderBy(s => s.ModelId).Select(s => new { s.ModelId, s.Day, s.DownloadsAllTime }).ToListAsync());
        Assert.Equal(models.Count(m => m.Family is not null), snapshotsAfterFirst.Count);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Collection_Killed_Midway_Then_Run_Again_Loses_Nothing_And_Duplicates_Nothing(string provider)
    {
        var models = Ecosystem.Generate(seed: 13, perFamily: 12);
        await using var rig = await Rig.StartAsync(provider, models, new() { ["Tracker:HuggingFace:PageSize"] = "2" });
        rig.Hub.PageDelay = TimeSpan.FromMilliseconds(60);
        using var kill = new CancellationTokenSource();

        var interrupted = rig.Collector.RunAsync("test", kill.Token);
        await using (var db = rig.Db())
        {
            while (await db.Snapshots.CountAsync() < 5)
            {
                await Task.Delay(20);
            }
        }

        await kill.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => interrupted);
        await using (var db = rig.Db())
        {
            var committed = await db.Snapshots.CountAsync();
            Assert.InRange(committed, 5, models.Count(m => m.Family is not null) - 1);
        }

        rig.Hub.PageDelay = TimeSpan.Zero;
        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        await using var after = rig.Db();
        Assert.Equal(models.Count(m => m.Family is not null), await after.Snapshots.CountAsync());
        Assert.Equal(models.Count(m => m.Family is not null), await after.Models.CountAsync());
        var families = await rig.Queries.GetFamiliesAsync(CancellationToken.None);
        Assert.All(Families, id => Assert.Equal(Ecosystem.Expected(models, id).DownloadsAllTime, families.Single(f => f.Id == id).Totals.DownloadsAllTime));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Malformed_Page_Fails_That_Org_Clearly_And_Leaves_Earlier_Snapshots_Intact(string provider)
    {
        var models = Ecosystem.Generate(seed: 14, perFamily: 10);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);
        await using var db = rig.Db();
        var dayOne = await db.Snapshots.AsNoTracking().OrderBy(s => s.ModelId).ToListAsync();

        rig.Clock.SetDay(new DateOnly(2026, 11, 21));
        rig.Hub.MalformedPages[("tencent", 1)] = true;
        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Partial, result.Status);
        var tencent = result.Runs.Single(r => r.Org == "tencent");
        Assert.Equal(RunStatus.Failed, tencent.Status);
        Assert.Contains("'tencent'", tencent.Error, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", tencent.Error, StringComparison.Ordinal);
        Assert.All(result.Runs.Where(r => r.Org != "tencent"), r => Assert.Equal(RunStatus.Succeeded, r.Status));

        var dayOneAfter = await db.Snapshots.AsNoTracking().Where(s => s.Day == new DateOnly(2026, 11, 20)).OrderBy(s => s.ModelId).ToListAsync();
        Assert.Equal(dayOne.Select(s => (s.ModelId, s.DownloadsAllTime, s.Likes)), dayOneAfter.Select(s => (s.ModelId, s.DownloadsAllTime, s.Likes)));
        var tencentModels = await db.Models.Where(m => m.Author == "tencent").Select(m => m.Id).ToListAsync();
        Assert.False(await db.Snapshots.AnyAsync(s => s.Day == new DateOnly(2026, 11, 21) && tencentModels.Contains(s.ModelId)));
        // The tencent models were not seen in a complete listing, but were not reported gone either.
        Assert.False(await db.Models.AnyAsync(m => m.GoneSince != null));

        var hunyuan = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "hunyuan");
        // The flag's numbers, beside its English sentence, for pages that word it in another language.
        Assert.Contains(hunyuan.Quality, q => q.Kind == QualityKinds.Partial && q.Platform == "huggingface"
            && q.Count > 0 && q.Total > q.Count && q.From == new DateOnly(2026, 11, 21));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Counter_That_Went_Down_Is_Kept_As_Reported_And_Flagged(string provider)
    {
        var models = Ecosystem.Generate(seed: 15, perFamily: 6);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var target = models.First(m => m.Family == "qwen" && m.DownloadsAllTime > 10);
        rig.Hub.SetModels(models.Select(m => m == target ? m with { DownloadsAllTime = 3 } : m));
        rig.Clock.SetDay(new DateOnly(2026, 11, 21));
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var history = await rig.Queries.GetModelHistoryAsync(target.Id, CancellationToken.None);
        Assert.Equal([target.DownloadsAllTime, 3], history!.Snapshots.Select(s => s.DownloadsAllTime));
        Assert.Equal([false, true], history.Snapshots.Select(s => s.AllTimeDecreased));
        var qwen = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "qwen");
        Assert.Contains(qwen.Quality, q => q.Kind == QualityKinds.CounterDecrease && q.Platform == "huggingface" && q.Count == 1);
        var series = await rig.Queries.GetSeriesAsync("qwen", Metrics.DownloadsAllTime, null, null, null, CancellationToken.None);
        Assert.Contains(series!.Quality, q => q.Kind == QualityKinds.CounterDecrease && q.From == new DateOnly(2026, 11, 21) && q.Count == 1);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Model_Gone_Upstream_Is_Kept_And_Marked(string provider)
    {
        var models = Ecosystem.Generate(seed: 16, perFamily: 6);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var removed = RemoveOneTheNextDay(rig, models, "deepseek");
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var page = await rig.Queries.GetModelsAsync("deepseek", ModelSorts.DownloadsAllTime, 1000, null, CancellationToken.None);
        var gone = page.Items.Single(m => m.RepoId == removed.Id);
        Assert.NotNull(gone.GoneSince);
        Assert.Equal(new DateOnly(2026, 11, 20), gone.LatestDay);
        var deepseek = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "deepseek");
        Assert.Equal(Ecosystem.Expected(models, "deepseek").Models - 1, deepseek.Totals.Models);
        Assert.DoesNotContain(deepseek.Quality, q => q.Kind == QualityKinds.Partial);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Download_Series_Start_At_The_First_Snapshot_And_Show_A_Missed_Day_As_A_Gap(string provider)
    {
        var models = Ecosystem.Generate(seed: 17, perFamily: 5);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);
        rig.Clock.SetDay(new DateOnly(2026, 11, 22));
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var series = await rig.Queries.GetSeriesAsync("ernie", Metrics.DownloadsAllTime, null, new DateOnly(2026, 1, 1), null, CancellationToken.None);

        Assert.Equal([new DateOnly(2026, 11, 20), new DateOnly(2026, 11, 21), new DateOnly(2026, 11, 22)], series!.Points.Select(p => p.Day));
        Assert.Null(series.Points[1].Value);
        Assert.Equal(Ecosystem.Expected(models, "ernie").DownloadsAllTime, series.Points[0].Value);
        Assert.Contains(series.Quality, q => q.Kind == QualityKinds.Gap && q.From == new DateOnly(2026, 11, 21) && q.To == new DateOnly(2026, 11, 21));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Model_Count_Series_Is_Rebuilt_From_Creation_Dates(string provider)
    {
        var models = Ecosystem.Generate(seed: 18, perFamily: 40);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var series = await rig.Queries.GetSeriesAsync("qwen", Metrics.Models, null, null, new DateOnly(2026, 11, 20), CancellationToken.None);

        foreach (var day in new[] { new DateOnly(2023, 12, 31), new DateOnly(2024, 6, 30), new DateOnly(2025, 9, 30) })
        {
            // Boundary days included: a model created on the day counts on that day.
            Assert.Equal(Ecosystem.CreatedBy(models, "qwen", day), series!.Points.Single(p => p.Day == day).Value);
        }

        Assert.Equal(Ecosystem.Expected(models, "qwen").Models, series!.Points[^1].Value);
        Assert.Contains(series.Quality, q => q.Kind == QualityKinds.UnknownCreationDate);
        Assert.Equal(models.Where(m => m.Family == "qwen" && m.CreatedAt is { } c && c != Ecosystem.Sentinel).Min(m => DateOnly.FromDateTime(m.CreatedAt!.Value)), series.Points[0].Day);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Model_Pages_Walk_Every_Model_Once_While_Rows_Are_Added(string provider)
    {
        var models = Ecosystem.Generate(seed: 19, perFamily: 9);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        foreach (var sort in ModelSorts.All)
        {
            var seen = new List<string>();
            string? cursor = null;
            var added = false;
            do
            {
                var page = await rig.Queries.GetModelsAsync(null, sort, 4, cursor, CancellationToken.None);
                seen.AddRange(page.Items.Select(m => m.RepoId));
                cursor = page.NextCursor;
                if (!added)
                {
                    // A model added mid-walk (by the next day's collection) must not shift or repeat the rows already paged.
                    rig.Hub.SetModels([.. models, new FakeModel($"Qwen/Late-{sort}", "qwen", DateTime.UtcNow, 1, 1, 1)]);
                    rig.Clock.Offset += TimeSpan.FromDays(1);
                    await rig.Collector.RunAsync("test", CancellationToken.None);
                    added = true;
                }
            }
            while (cursor is not null);

            Assert.Equal(seen.Count, seen.Distinct().Count());
            Assert.Superset(models.Where(m => m.Family is not null).Select(m => m.Id).ToHashSet(), seen.ToHashSet());
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Derivative_Totals_Per_Relation_Equal_The_Children_Counts(string provider)
    {
        var models = Ecosystem.Generate(seed: 21, perFamily: 8);
        var tree = Ecosystem.GenerateChildren(models, seed: 21);
        await using var rig = await Rig.StartAsync(provider, models, children: tree);

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        await AssertDerivativeTotalsAsync(rig, models, tree);

        // The model tree is stored child by child, with the relation from the child's base_model tag.
        await using var db = rig.Db();
        var stored = await DerivativeBlocks.ReadAsync(db, db.Models.Select(m => m.Id), CancellationToken.None);
        Assert.Equal(tree.Values.Sum(c => c.Count), stored.Count);
        Assert.Equal(tree.Values.SelectMany(c => c).Count(c => c.Relation == "merge"), stored.Count(d => d.Relation == "merge"));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Familys_Derivative_Pass_Waits_Until_Its_Listings_Are_Stored(string provider)
    {
        var models = Ecosystem.Generate(seed: 27, perFamily: 6);
        var tree = Ecosystem.GenerateChildren(models, seed: 27);
        await using var rig = await Rig.StartAsync(provider, models, children: tree);

        // Listings store their pages behind their fetching, and the derivative pass fetches as soon as the last listing page
        // is in. From the first listing page on, another writer holds the database (SQLite) or the models' table
        // (PostgreSQL) for a second: the pages wait, and each family's derivative pass must wait for its orgs' listings to
        // be stored rather than read no models.
        await using var holder = rig.Db();
        Task? released = null;
        rig.Hub.BeforeListing = async _ =>
        {
            if (released is not null)
            {
                return;
            }

            await holder.Database.BeginTransactionAsync();
            if (provider == DatabaseProviders.Postgres)
            {
                await holder.Database.ExecuteSqlRawAsync("LOCK TABLE \"Models\" IN EXCLUSIVE MODE");
            }

            released = Task.Run(async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                await holder.Database.CommitTransactionAsync();
            });
        };

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);
        await released!;

        Assert.Equal(RunStatus.Succeeded, result.Status);
        await AssertDerivativeTotalsAsync(rig, models, tree);
        // A run's storing overlaps the next run's requests, but the requests themselves go one at a time.
        Assert.Equal(1, rig.Hub.MaxInFlight);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Model_Tree_That_Cannot_Be_Stored_Fails_Its_Runs_And_Keeps_The_Rest(string provider)
    {
        var models = Ecosystem.Generate(seed: 24, perFamily: 8);
        var tree = Ecosystem.GenerateChildren(models, seed: 24);
        await using var rig = await Rig.StartAsync(provider, models, children: tree);
        // Every block insert fails: the derivative pages are written behind the fetching, on the write-behind's thread, and
        // the failure must still land on the run that queued them, with its record final and the other runs done.
        await using (var db = rig.Db())
        {
            await RefuseInsertsAsync(db, provider, "DerivativeBlocks", "no room for blocks");
        }

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Partial, result.Status);
        var derivatives = AssertStoringFailed(result, RunKinds.Derivatives, "no room for blocks");
        Assert.All(derivatives, r => Assert.True(r.Requests > 0));

        // Every run's record is final, the collection's progress complete, and the listings' models stored.
        await using var after = rig.Db();
        await AssertRecordsFinalAsync(after, result);
        Assert.Equal(models.Count(m => m.Family is not null), await after.Models.CountAsync());
        Assert.False(await after.DerivativeBlocks.AnyAsync());
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Malformed_Lineage_Page_Fails_That_Familys_Derivatives_Clearly_And_The_Next_Run_Completes_Them(string provider)
    {
        var models = Ecosystem.Generate(seed: 26, perFamily: 6);
        var tree = Ecosystem.GenerateChildren(models, seed: 26, average: 12);
        await using var rig = await Rig.StartAsync(provider, models, new() { ["Tracker:HuggingFace:PageSize"] = "3" }, tree);
        // A first pass's pages are read by the writer as it stores them, not on the chain of requests: the page's error
        // must still reach the run that listed it, with the base and the page named.
        var (baseId, _) = tree.First(kv => kv.Value.Count > 6);
        var family = models.Single(m => m.Id == baseId).Family!;
        rig.Hub.MalformedChildren[(baseId, 2)] = true;

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Partial, result.Status);
        var failed = Assert.Single(result.Runs, r => r.Status != RunStatus.Succeeded);
        Assert.Equal((RunKinds.Derivatives, family, RunStatus.Failed), (failed.Kind, failed.Org, failed.Status));
        Assert.Contains($"children of '{baseId}', page 2: malformed JSON", failed.Error, StringComparison.Ordinal);
        Assert.True(failed.Requests > 0);
        await using (var db = rig.Db())
        {
            await AssertRecordsFinalAsync(db, result);
        }

        // Not recorded as done, the family's derivatives are listed again the same day: nothing lost, nothing twice.
        rig.Hub.MalformedChildren.Clear();
        var again = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, again.Status);
        Assert.Equal([(RunKinds.Derivatives, family)], again.Runs.Select(r => (r.Kind, r.Org)));
        await AssertDerivativeTotalsAsync(rig, models, tree);
        await using var after = rig.Db();
        var stored = await DerivativeBlocks.ReadAsync(after, after.Models.Select(m => m.Id), CancellationToken.None);
        Assert.Equal(tree.Values.Sum(c => c.Count), stored.Count);
        var known = await after.Models.AsNoTracking().Where(m => m.Source == "huggingface" && m.LineageSyncedAt != null)
            .ToDictionaryAsync(m => m.RepoId, m => (m.LineageKnown, m.LineageNewestAt));
        Assert.Equal(tree.Count, known.Count);
        Assert.All(tree, kv => Assert.Equal((kv.Value.Count, kv.Value.Max(c => c.CreatedAt)), (known[kv.Key].LineageKnown!.Value, known[kv.Key].LineageNewestAt!.Value.ToUniversalTime())));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Listing_Whose_Totals_Cannot_Be_Stored_Fails_Without_Its_Gone_Marks_And_Is_Redone(string provider)
    {
        var models = Ecosystem.Generate(seed: 25, perFamily: 6);
        await using var rig = await Rig.StartAsync(provider, models);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        // The next day a model is gone upstream, and the day's totals cannot be written: an org listing's gone-marks and
        // totals share the transaction that records its end, so they are rolled back together and the run fails.
        var removed = RemoveOneTheNextDay(rig, models, "deepseek");
        await using (var db = rig.Db())
        {
            await RefuseInsertsAsync(db, provider, "DailyTotals", "no room for totals");
        }

        var failed = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Partial, failed.Status);
        var listings = AssertStoringFailed(failed, RunKinds.Models, "no room for totals");
        await using (var db = rig.Db())
        {
            await AssertRecordsFinalAsync(db, failed);
            Assert.False(await db.Models.AnyAsync(m => m.GoneSince != null));
            Assert.False(await db.DailyTotals.AnyAsync(t => t.Day == new DateOnly(2026, 11, 21)));
            // The pages themselves were committed as they came.
            Assert.Equal(models.Count(m => m.Family is not null) - 1, await db.Snapshots.CountAsync(s => s.Day == new DateOnly(2026, 11, 21)));
            await db.Database.ExecuteSqlRawAsync(provider == DatabaseProviders.Sqlite ? "DROP TRIGGER refuse_inserts;" : "DROP TRIGGER refuse_inserts ON \"DailyTotals\";");
        }

        // Not recorded as done, the listings run again the same day and finish; what did succeed is not fetched again.
        var again = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, again.Status);
        Assert.Equal(listings.Select(r => r.Org).Order(), again.Runs.Select(r => r.Org).Order());
        var page = await rig.Queries.GetModelsAsync("deepseek", ModelSorts.DownloadsAllTime, 1000, null, CancellationToken.None);
        Assert.NotNull(page.Items.Single(m => m.RepoId == removed.Id).GoneSince);
        var deepseek = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "deepseek");
        Assert.Equal(Ecosystem.Expected(models, "deepseek").Models - 1, deepseek.Totals.Models);
    }

    [Fact]
    public async Task Two_Orgs_Listings_Ending_At_Once_On_PostgreSQL_Leave_Totals_With_Both_Orgs_Models()
    {
        var models = Ecosystem.Generate(seed: 28, perFamily: 2);
        await using var rig = await Rig.StartAsync(DatabaseProviders.Postgres, models);
        var gate = rig.Host.Services.GetRequiredService<WriteGate>();
        var day = new DateOnly(2026, 11, 20);
        var at = new DateTime(2026, 11, 20, 6, 0, 0, DateTimeKind.Utc);
        HubModel Model(string id, long downloads) => new(id, at.AddDays(-30), null, null, null, null, null, null, null, null, 1, downloads, 1);
        async Task WriteAsync(string org, HubModel model)
        {
            await using var turn = await gate.BeginAsync(CancellationToken.None);
            await SnapshotWriter.WritePageAsync(turn.Db, "huggingface", org, [(model, "hunyuan")], day, at, CancellationToken.None);
            await turn.CommitAsync(CancellationToken.None);
        }

        // One org's end reads the snapshots, then is held up (a trigger sleeping in its session) before it writes the totals;
        // meanwhile the other org's page is stored and that org's end runs. The held end must not overwrite the totals
        // with what it read before the other org's page was in.
        await using (var db = rig.Db())
        {
            await db.Database.ExecuteSqlRawAsync("""
                CREATE FUNCTION hold_totals() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF current_setting('application_name') = 'held' THEN PERFORM pg_sleep(1); END IF; RETURN NEW; END $$;
                CREATE TRIGGER hold_totals BEFORE INSERT ON "DailyTotals" FOR EACH ROW EXECUTE FUNCTION hold_totals();
                """);
        }

        await WriteAsync("tencent", Model("tencent/first", 1000));
        var held = Task.Run(async () =>
        {
            await using var turn = await gate.BeginAsync(CancellationToken.None);
            await turn.Db.Database.ExecuteSqlRawAsync("SET LOCAL application_name = 'held'");
            await SnapshotWriter.RecomputeDailyTotalsAsync(turn.Db, "huggingface", day, ["hunyuan"], CancellationToken.None);
            await turn.CommitAsync(CancellationToken.None);
        });
        await Task.Delay(300);
        await WriteAsync("Tencent-Hunyuan", Model("Tencent-Hunyuan/second", 20));
        await using (var turn = await gate.BeginAsync(CancellationToken.None))
        {
            await SnapshotWriter.RecomputeDailyTotalsAsync(turn.Db, "huggingface", day, ["hunyuan"], CancellationToken.None);
            await turn.CommitAsync(CancellationToken.None);
        }

        await held;
        await using var after = rig.Db();
        var totals = await after.DailyTotals.AsNoTracking().SingleAsync(t => t.FamilyId == "hunyuan" && t.Source == "huggingface" && t.Day == day);
        Assert.Equal((1020L, 2), (totals.DownloadsAllTime!.Value, totals.Reported));
    }

    /// <summary>A trigger (<c>refuse_inserts</c>) that makes every insert into <paramref name="table"/> fail with <paramref name="message"/>.</summary>
    private static async Task RefuseInsertsAsync(TrackerDbContext db, string provider, string table, string message)
    {
        var sql = provider == DatabaseProviders.Sqlite
            ? $"CREATE TRIGGER refuse_inserts BEFORE INSERT ON \"{table}\" BEGIN SELECT RAISE(ABORT, '{message}'); END;"
            : $"CREATE OR REPLACE FUNCTION refuse_inserts() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION '{message}'; END $$ LANGUAGE plpgsql; "
              + $"CREATE TRIGGER refuse_inserts BEFORE INSERT ON \"{table}\" FOR EACH ROW EXECUTE FUNCTION refuse_inserts();";
        await db.Database.ExecuteSqlRawAsync(sql);
    }

    /// <summary>The next day (2026-11-21), the hub no longer lists one of <paramref name="family"/>'s models; returns it.</summary>
    private static FakeModel RemoveOneTheNextDay(Rig rig, List<FakeModel> models, string family)
    {
        var removed = models.First(m => m.Family == family);
        rig.Hub.SetModels(models.Where(m => m != removed));
        rig.Clock.SetDay(new DateOnly(2026, 11, 21));
        return removed;
    }

    /// <summary>Each family's derivative totals per relation equal its models' children on the hub.</summary>
    private static async Task AssertDerivativeTotalsAsync(Rig rig, List<FakeModel> models, Dictionary<string, List<FakeChild>> tree)
    {
        var families = await rig.Queries.GetFamiliesAsync(CancellationToken.None);
        foreach (var id in Families)
        {
            var expected = Ecosystem.ChildrenBy(models, tree, id);
            var got = families.Single(f => f.Id == id).Derivatives;
            Assert.Equal(expected["finetune"], got.Finetune);
            Assert.Equal(expected["quantized"], got.Quantized);
            Assert.Equal(expected["adapter"], got.Adapter);
            Assert.Equal(expected["merge"], got.Merge);
            Assert.Equal(expected.Values.Sum(), got.Total);
        }
    }

    /// <summary>Every run of the collection is recorded and final (none left running, each with its end), and its progress complete.</summary>
    private static async Task AssertRecordsFinalAsync(TrackerDbContext db, CollectionResult result)
    {
        var records = await db.CollectionRuns.AsNoTracking().Where(r => r.CollectionId == result.CollectionId).ToListAsync();
        Assert.Equal(result.Runs.Count, records.Count);
        Assert.All(records, r => Assert.NotEqual(RunStatus.Running, r.Status));
        Assert.All(records, r => Assert.NotNull(r.FinishedAt));
        var collection = await db.Collections.AsNoTracking().SingleAsync(c => c.Id == result.CollectionId);
        Assert.Equal(collection.OrgsTotal, collection.OrgsDone);
    }

    /// <summary>The runs of <paramref name="kind"/> failed storing, with the database's reason; every other run succeeded.</summary>
    private static List<CollectionRun> AssertStoringFailed(CollectionResult result, string kind, string reason)
    {
        var runs = result.Runs.Where(r => r.Kind == kind).ToList();
        Assert.NotEmpty(runs);
        Assert.All(runs, r =>
        {
            Assert.Equal(RunStatus.Failed, r.Status);
            Assert.Contains("storing failed", r.Error, StringComparison.Ordinal);
            Assert.Contains(reason, r.Error, StringComparison.Ordinal);
        });
        Assert.All(result.Runs.Where(r => r.Kind != kind), r => Assert.Equal(RunStatus.Succeeded, r.Status));
        return runs;
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Bare_Integer_Children_Count_Is_A_Total_With_Unknown_Relations(string provider)
    {
        var models = Ecosystem.Generate(seed: 22, perFamily: 5);
        var tree = Ecosystem.GenerateChildren(models, seed: 22);
        await using var rig = await Rig.StartAsync(provider, models, children: tree);
        rig.Hub.ChildrenCountAsObject = false;

        await rig.Collector.RunAsync("test", CancellationToken.None);

        var qwen = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "qwen").Derivatives;
        Assert.Equal(Ecosystem.ChildrenBy(models, tree, "qwen").Values.Sum(), qwen.Total);
        Assert.Null(qwen.Finetune);
        Assert.Null(qwen.Quantized);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Derivative_Count_On_A_Past_Day_Equals_The_Children_Created_By_Then(string provider)
    {
        var models = Ecosystem.Generate(seed: 23, perFamily: 10);
        var tree = Ecosystem.GenerateChildren(models, seed: 23, average: 10);
        await using var rig = await Rig.StartAsync(provider, models, children: tree);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        foreach (var relation in new string?[] { null, "quantized" })
        {
            var series = await rig.Queries.GetSeriesAsync("deepseek", Metrics.Derivatives, null, null, new DateOnly(2026, 11, 20), CancellationToken.None, relation);
            foreach (var day in new[] { new DateOnly(2024, 12, 31), new DateOnly(2025, 9, 30) })
            {
                var expected = Ecosystem.ChildrenBy(models, tree, "deepseek", day);
                Assert.Equal(relation is null ? expected.Values.Sum() : expected[relation], series!.Points.Single(p => p.Day == day).Value);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Lineage_After_The_First_Pass_Fetches_Only_New_Children(string provider)
    {
        var models = Ecosystem.Generate(seed: 24, perFamily: 4);
        var tree = Ecosystem.GenerateChildren(models, seed: 24, average: 12);
        await using var rig = await Rig.StartAsync(provider, models, new() { ["Tracker:HuggingFace:PageSize"] = "3" }, tree);
        await rig.Collector.RunAsync("test", CancellationToken.None);
        var basesWithChildren = tree.Count;
        var firstPassPages = rig.Hub.Requests.Count(r => r.Contains("filter=base_model", StringComparison.Ordinal));
        Assert.Equal(tree.Values.Sum(c => (c.Count + 2) / 3), firstPassPages);

        // Next day: two new children of one base; nothing new elsewhere.
        var (baseId, children) = tree.First(kv => kv.Value.Count > 6);
        children.Add(new FakeChild("late/one", "adapter", new DateTime(2026, 11, 21, 1, 0, 0, DateTimeKind.Utc), 1, 1, 1));
        children.Add(new FakeChild("late/two", "merge", new DateTime(2026, 11, 21, 2, 0, 0, DateTimeKind.Utc), 1, 1, 1));
        rig.Hub.ClearRequests();
        rig.Clock.SetDay(new DateOnly(2026, 11, 21));
        await rig.Collector.RunAsync("test", CancellationToken.None);

        var lineage = rig.Hub.Requests.Where(r => r.Contains("filter=base_model", StringComparison.Ordinal)).ToList();
        Assert.Single(lineage);
        Assert.Contains(Uri.EscapeDataString("base_model:" + baseId), lineage[0], StringComparison.Ordinal);
        await using var db = rig.Db();
        var stored = await DerivativeBlocks.ReadAsync(db, db.Models.Select(m => m.Id), CancellationToken.None);
        Assert.Equal(tree.Values.Sum(c => c.Count), stored.Count);
        Assert.Equal(basesWithChildren, tree.Count);

        // The base listed again has its blocks merged into one; its children keep the day each was first listed.
        var listedAgain = await db.Models.Where(m => m.Source == "huggingface" && m.RepoId == baseId).Select(m => m.Id).SingleAsync();
        Assert.Equal(1, await db.DerivativeBlocks.CountAsync(b => b.BaseModelId == listedAgain));
        Assert.True(await db.DerivativeBlocks.CountAsync() > tree.Count, "the bases listed once keep one block per page");
        var again = stored.Where(d => d.BaseModelId == listedAgain).ToList();
        Assert.Equal(children.Count, again.Count);
        Assert.Equal([new DateOnly(2026, 11, 21)], again.Where(d => d.RepoKey.StartsWith("late/", StringComparison.Ordinal)).Select(d => DateOnly.FromDateTime(d.FirstSeenAt)).Distinct());
        Assert.DoesNotContain(again.Where(d => !d.RepoKey.StartsWith("late/", StringComparison.Ordinal)), d => DateOnly.FromDateTime(d.FirstSeenAt) != new DateOnly(2026, 11, 20));
        // Listed on the second day: the two new children and the known one that ended the listing's one page (page size 3).
        Assert.Equal(3, again.Count(d => DateOnly.FromDateTime(d.LastSeenAt) == new DateOnly(2026, 11, 21)));

        // Where the next listing stops, and what it is compared with, are kept on each base.
        var state = await db.Models.AsNoTracking().Where(m => m.Source == "huggingface" && m.LineageSyncedAt != null)
            .ToDictionaryAsync(m => m.RepoId, m => (m.LineageKnown, m.LineageNewestAt));
        Assert.Equal(tree.Count, state.Count);
        foreach (var (repoId, kids) in tree)
        {
            Assert.Equal(kids.Count, state[repoId].LineageKnown);
            Assert.Equal(kids.Max(c => c.CreatedAt), state[repoId].LineageNewestAt!.Value.ToUniversalTime());
        }

        // A third day with nothing new lists nothing.
        rig.Hub.ClearRequests();
        rig.Clock.SetDay(new DateOnly(2026, 11, 22));
        await rig.Collector.RunAsync("test", CancellationToken.None);
        Assert.DoesNotContain(rig.Hub.Requests, r => r.Contains("filter=base_model", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Run_Is_Recorded_Running_While_It_Fetches_And_Final_Once_It_Ends(string provider)
    {
        var models = Ecosystem.Generate(seed: 29, perFamily: 8);
        await using var rig = await Rig.StartAsync(provider, models, new() { ["Tracker:HuggingFace:PageSize"] = "2" });
        rig.Hub.PageDelay = TimeSpan.FromMilliseconds(60);

        // Its start is written beside its work, not before it: a run killed now would be found running and marked abandoned.
        var collecting = rig.Collector.RunAsync("test", CancellationToken.None);
        CollectionRun? running = null;
        while (running is null && !collecting.IsCompleted)
        {
            await using var db = rig.Db();
            running = await db.CollectionRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Kind == RunKinds.Models && r.Status == RunStatus.Running);
            await Task.Delay(10);
        }

        Assert.NotNull(running);
        Assert.False(collecting.IsCompleted);
        Assert.Null(running.FinishedAt);
        rig.Hub.PageDelay = TimeSpan.Zero;
        var result = await collecting;

        Assert.Equal(RunStatus.Succeeded, result.Status);
        await using var after = rig.Db();
        var ended = await after.CollectionRuns.AsNoTracking().SingleAsync(r => r.Id == running.Id);
        Assert.Equal(RunStatus.Succeeded, ended.Status);
        Assert.NotNull(ended.FinishedAt);
        await AssertRecordsFinalAsync(after, result);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Second_Run_The_Same_Day_Costs_Only_What_Is_Still_Owed(string provider)
    {
        var models = Ecosystem.Generate(seed: 25, perFamily: 6);
        var tree = Ecosystem.GenerateChildren(models, seed: 25);
        await using var rig = await Rig.StartAsync(provider, models, children: tree);
        await rig.Collector.RunAsync("test", CancellationToken.None);
        var familyModels = models.Count(m => m.Family is not null);
        Assert.Equal(6 + familyModels + tree.Count, rig.Hub.RequestCount); // list pages + one detail per model + one lineage page per base
        rig.Hub.ClearRequests();

        var second = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.Equal(0, rig.Hub.RequestCount);
    }

    [Fact]
    public async Task A_Hub_Enforcing_Its_Quota_Never_Answers_429_To_A_Paced_Collection()
    {
        var models = Ecosystem.Generate(seed: 26, perFamily: 12);
        var tree = Ecosystem.GenerateChildren(models, seed: 26, average: 3);
        await using var rig = await Rig.StartAsync(DatabaseProviders.Sqlite, models, new()
        {
            ["Tracker:Pacing:HuggingFace:Requests"] = "25",
            ["Tracker:Pacing:HuggingFace:Window"] = "00:00:02",
        }, tree);
        rig.Hub.Quota = (25, TimeSpan.FromSeconds(2));

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.True(rig.Hub.RequestCount > 50, $"only {rig.Hub.RequestCount} requests: the quota was never exercised");
        Assert.Equal(0, rig.Hub.RateLimited);
    }

    [Fact]
    public async Task The_Quota_Enforcing_Hub_Answers_429_To_Unpaced_Requests()
    {
        // The control for the test above: the same quota bites when nothing paces the requests.
        await using var hub = await FakeHuggingFaceHub.StartAsync(Ecosystem.Generate(seed: 26, perFamily: 2));
        hub.Quota = (25, TimeSpan.FromSeconds(2));
        using var http = new HttpClient { BaseAddress = hub.Endpoint };

        var statuses = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            using var response = await http.GetAsync(new Uri("api/models?author=Qwen", UriKind.Relative));
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal(25, statuses.Count(s => s == 200));
        Assert.Equal(5, statuses.Count(s => s == 429));
        Assert.Equal(5, hub.RateLimited);
    }
}
