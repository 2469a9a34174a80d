using System.Buffers.Text;
using System.Globalization;
using System.Linq.Expressions;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Catalog;
using Tracker.Core.Data;

namespace Tracker.Core.Stats;

/// <summary>
/// Every number Tracker shows, one method per question. The dashboard, the API and the digests all read through
/// here, so a figure is computed one way only.
/// </summary>
public sealed partial class TrackerQueries(IDbContextFactory<TrackerDbContext> contexts, FamilyCatalog catalog, TimeProvider clock)
{
    public const int MaxPageSize = 1000;

    public FamilyCatalog Catalog => catalog;

    public async Task<IReadOnlyList<FamilySummary>> GetFamiliesAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = await LatestTotalsAsync(db, null, cancellationToken);
        var counts = await ModelCountsAsync(db, null, cancellationToken);
        var derivatives = await DerivativeTotalsAsync(db, null, cancellationToken);
        var github = await GitHubTotalsAsync(db, null, cancellationToken);
        return [.. catalog.Families.Select(f => Summarize(f, latest, counts, derivatives, github))];
    }

    public async Task<FamilyDetails?> GetFamilyAsync(string id, CancellationToken cancellationToken)
    {
        if (catalog.Find(id) is not { } family)
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = await LatestTotalsAsync(db, family.Id, cancellationToken);
        var counts = await ModelCountsAsync(db, family.Id, cancellationToken);
        var derivatives = await DerivativeTotalsAsync(db, family.Id, cancellationToken);
        var github = await GitHubTotalsAsync(db, family.Id, cancellationToken);
        var top = await db.Models.AsNoTracking()
            .Where(m => m.FamilyId == family.Id && m.GoneSince == null)
            .OrderByDescending(m => m.DownloadsAllTime ?? -1).ThenBy(m => m.Id)
            .Take(10)
            .Select(ToRow)
            .ToListAsync(cancellationToken);
        var rules = family.Rules.ToDictionary(r => r.Key, r => (IReadOnlyList<string>)[.. r.Value.Select(x => x.Describe())]);
        return new FamilyDetails(Summarize(family, latest, counts, derivatives, github), rules, top);
    }

    /// <summary>
    /// A family's daily series. Download and like metrics exist only from the first snapshot on: a day without a
    /// collection is a null point and a gap flag, never an interpolated value. <c>models</c> is rebuilt from creation
    /// dates back to the family's first model.
    /// </summary>
    public async Task<Series?> GetSeriesAsync(
        string familyId, string metric, string? platform, DateOnly? from, DateOnly? to, CancellationToken cancellationToken, string? relation = null)
    {
        if (catalog.Find(familyId) is not { } family)
        {
            return null;
        }

        var canonical = Metrics.Normalize(metric) ?? throw new ArgumentException($"unknown metric '{metric}'", nameof(metric));
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return canonical switch
        {
            Metrics.Models => await ModelCountSeriesAsync(db, family.Id, platform, from, to, cancellationToken),
            Metrics.Derivatives => await DerivativeSeriesAsync(db, family.Id, relation, from, to, cancellationToken),
            Metrics.Stars or Metrics.Forks => await RepoSeriesAsync(db, family.Id, canonical, from, to, cancellationToken),
            _ => await CounterSeriesAsync(db, family.Id, canonical, platform, from, to, cancellationToken),
        };
    }

    /// <summary>
    /// New models on either hub and GitHub releases, newest first, up to <paramref name="limit"/> items: the pages of
    /// <see cref="GetReleasePageAsync"/> walked in order (the dashboard's timelines ask for more than one page holds).
    /// </summary>
    public async Task<ReleasePage> GetReleasesAsync(string? familyId, DateOnly? from, DateOnly? to, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var items = new List<ReleaseItem>();
        string? cursor = null;
        DateTime? asOf;
        do
        {
            var page = await GetReleasePageAsync(familyId, from, to, Math.Min(MaxPageSize, limit - items.Count), cursor, cancellationToken);
            items.AddRange(page.Items);
            asOf = page.AsOf;
            cursor = page.NextCursor;
        }
        while (cursor is not null && items.Count < limit);

        return new ReleasePage(items, asOf);
    }

    public async Task<ModelPage> GetModelsAsync(string? familyId, string sort, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Models.AsNoTracking();
        if (familyId is not null)
        {
            query = query.Where(m => m.FamilyId == familyId);
        }

        var after = cursor is null ? null : ModelCursor.Parse(cursor, sort);
        var rows = sort switch
        {
            ModelSorts.Downloads30d => await PageAsync(query, m => m.Downloads30d ?? -1, after?.Number, after?.Id, limit, cancellationToken),
            ModelSorts.Likes => await PageAsync(query, m => m.Likes ?? -1, after?.Number, after?.Id, limit, cancellationToken),
            ModelSorts.CreatedAt => await PageAsync(query, m => m.CreatedAt ?? DateTime.MinValue, after?.Time, after?.Id, limit, cancellationToken),
            ModelSorts.DownloadsAllTime => await PageAsync(query, m => m.DownloadsAllTime ?? -1, after?.Number, after?.Id, limit, cancellationToken),
            _ => throw new ArgumentException($"unknown sort '{sort}'", nameof(sort)),
        };

        string? next = null;
        if (rows.Count > limit)
        {
            var last = rows[limit - 1];
            next = ModelCursor.Format(sort, last);
            rows.RemoveAt(limit);
        }

        DateTime? asOf = rows.Count == 0 ? null : rows.Max(r => r.Model.LastSeenAt);
        return new ModelPage([.. rows.Select(r => ToRow.Compile()(r.Model))], next, asOf);
    }

    public async Task<ModelHistory?> GetModelHistoryAsync(string repoId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = repoId.ToLowerInvariant();
        var model = await db.Models.AsNoTracking()
            .Where(m => m.RepoKey == key)
            .OrderBy(m => m.Source)
            .FirstOrDefaultAsync(cancellationToken);
        if (model is null)
        {
            return null;
        }

        var snapshots = await db.Snapshots.AsNoTracking()
            .Where(s => s.ModelId == model.Id)
            .OrderBy(s => s.Day)
            .Select(s => new SnapshotRow(s.Day, s.CollectedAt, s.Downloads30d, s.DownloadsAllTime, s.Likes, s.AllTimeDecreased))
            .ToListAsync(cancellationToken);
        return new ModelHistory(ToRow.Compile()(model), snapshots, snapshots.Count == 0 ? null : snapshots.Max(s => s.CollectedAt));
    }

    public async Task<DataStatus> GetStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = await db.Collections.AsNoTracking().OrderByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
        var completed = await db.Collections.AsNoTracking()
            .Where(c => c.Status == RunStatus.Succeeded || c.Status == RunStatus.Partial || c.Status == RunStatus.Deferred)
            .OrderByDescending(c => c.Id).FirstOrDefaultAsync(cancellationToken);
        var hasData = await db.Snapshots.AnyAsync(cancellationToken);
        return new DataStatus(
            latest is null ? null : await DescribeAsync(db, latest, cancellationToken),
            completed is null ? null : completed.Id == latest?.Id ? await DescribeAsync(db, latest, cancellationToken) : await DescribeAsync(db, completed, cancellationToken),
            hasData);
    }

    public async Task<IReadOnlyList<SourceStatus>> GetSourceStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var result = new List<SourceStatus>();
        foreach (var source in new[] { Platform.HuggingFace, Platform.ModelScope, Platform.GitHub })
        {
            var runs = db.CollectionRuns.AsNoTracking().Where(r => r.Source == source);
            var success = await runs.Where(r => r.Status == RunStatus.Succeeded).MaxAsync(r => r.FinishedAt, cancellationToken);
            var error = await runs.Where(r => r.Status == RunStatus.Failed || r.Status == RunStatus.Deferred)
                .OrderByDescending(r => r.Id).Select(r => new { r.Error, r.FinishedAt }).FirstOrDefaultAsync(cancellationToken);
            var lastCollection = await runs.MaxAsync(r => (long?)r.CollectionId, cancellationToken);
            var requests = lastCollection is null ? 0 : await runs.Where(r => r.CollectionId == lastCollection).SumAsync(r => r.Requests, cancellationToken);
            result.Add(new SourceStatus(source, success, error?.Error, error?.FinishedAt, requests));
        }

        return result;
    }

    /// <summary>When the newest collection that reached its end (fully or partly) started; null before the first.</summary>
    public async Task<DateTime?> LastCompletedCollectionAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Collections.AsNoTracking()
            .Where(c => c.Status == RunStatus.Succeeded || c.Status == RunStatus.Partial || c.Status == RunStatus.Deferred)
            .OrderByDescending(c => c.StartedAt)
            .Select(c => (DateTime?)c.StartedAt)
            .FirstOrDefaultAsync(cancellationToken);
    }

    private static readonly Expression<Func<TrackedModel, ModelRow>> ToRow = m => new ModelRow(
        m.Source, m.RepoId, m.FamilyId, m.CreatedAt, m.PipelineTag, m.LibraryName, m.License, m.ParameterCount, m.Gated,
        m.Downloads30d, m.DownloadsAllTime, m.Likes, m.LatestDay, m.LastSeenAt, m.GoneSince);

    private static async Task<CollectionInfo> DescribeAsync(TrackerDbContext db, CollectionRecord c, CancellationToken cancellationToken)
    {
        var runs = await db.CollectionRuns.AsNoTracking()
            .Where(r => r.CollectionId == c.Id)
            .OrderBy(r => r.Id)
            .Select(r => new RunInfo(r.Source, r.Kind, r.Org, r.Status, r.StartedAt, r.FinishedAt, r.Requests, r.Items, r.Bytes, r.Error))
            .ToListAsync(cancellationToken);
        return new CollectionInfo(c.Id, c.Trigger, c.Status, c.StartedAt, c.FinishedAt, c.OrgsTotal, c.OrgsDone, c.Error, runs);
    }

    private static async Task<List<DailyTotal>> LatestTotalsAsync(TrackerDbContext db, string? familyId, CancellationToken cancellationToken)
    {
        var totals = db.DailyTotals.AsNoTracking().Where(t => familyId == null || t.FamilyId == familyId);
        return await totals
            .Where(t => t.Day == totals.Where(x => x.FamilyId == t.FamilyId && x.Source == t.Source).Max(x => x.Day))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Models not gone, per family and platform, plus per family across both hubs counted once by name.</summary>
    private static async Task<Dictionary<(string Family, string Source), int>> ModelCountsAsync(TrackerDbContext db, string? familyId, CancellationToken cancellationToken)
    {
        var rows = await db.Models.AsNoTracking()
            .Where(m => m.GoneSince == null && (familyId == null || m.FamilyId == familyId))
            .Select(m => new { m.FamilyId, m.Source, m.RepoKey })
            .ToListAsync(cancellationToken);
        var counts = rows.GroupBy(r => (r.FamilyId, r.Source)).ToDictionary(g => g.Key, g => g.Count());
        foreach (var family in rows.GroupBy(r => r.FamilyId))
        {
            counts[(family.Key, AcrossHubs)] = family.Select(r => NameOf(r.RepoKey)).Distinct(StringComparer.Ordinal).Count();
        }

        return counts;
    }

    /// <summary>The key under which a family's distinct model count across both hubs is kept.</summary>
    private const string AcrossHubs = "*";

    /// <summary>
    /// A model published on both hubs is one model: the same repository name (without its owner, which differs between
    /// hubs for some vendors), compared case-insensitively.
    /// </summary>
    private static string NameOf(string repoKey) => repoKey[(repoKey.IndexOf('/', StringComparison.Ordinal) + 1)..];

    private static async Task<Dictionary<string, DerivativeTotals>> DerivativeTotalsAsync(TrackerDbContext db, string? familyId, CancellationToken cancellationToken)
    {
        var counts = from d in db.DerivativeCounts.AsNoTracking()
                     join m in db.Models.AsNoTracking() on d.ModelId equals m.Id
                     where familyId == null || m.FamilyId == familyId
                     select new { m.FamilyId, d.Day, d.Finetune, d.Quantized, d.Adapter, d.Merge, d.Total, d.CollectedAt };
        var latestDays = await counts.GroupBy(c => c.FamilyId).Select(g => new { Family = g.Key, Day = g.Max(c => c.Day) }).ToListAsync(cancellationToken);
        var result = new Dictionary<string, DerivativeTotals>();
        foreach (var latest in latestDays)
        {
            var rows = await counts.Where(c => c.FamilyId == latest.Family && c.Day == latest.Day).ToListAsync(cancellationToken);
            result[latest.Family] = new DerivativeTotals(
                SumKnown(rows.Select(r => r.Finetune)), SumKnown(rows.Select(r => r.Quantized)), SumKnown(rows.Select(r => r.Adapter)),
                SumKnown(rows.Select(r => r.Merge)), SumKnown(rows.Select(r => r.Total)), latest.Day, rows.Max(r => (DateTime?)r.CollectedAt));
        }

        return result;
    }

    private static async Task<Dictionary<string, GitHubTotals>> GitHubTotalsAsync(TrackerDbContext db, string? familyId, CancellationToken cancellationToken)
    {
        var repos = await db.Repos.AsNoTracking()
            .Where(r => r.GoneSince == null && (familyId == null || r.FamilyId == familyId))
            .Select(r => new { r.Id, r.FamilyId, r.Stars, r.Forks, r.LatestDay })
            .ToListAsync(cancellationToken);
        var releases = await (from r in db.Releases.AsNoTracking()
                              join repo in db.Repos.AsNoTracking() on r.RepoId equals repo.Id
                              where repo.GoneSince == null && (familyId == null || repo.FamilyId == familyId)
                              group r by repo.FamilyId into g
                              select new { Family = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var asOf = await db.RepoSnapshots.AsNoTracking().MaxAsync(s => (DateTime?)s.CollectedAt, cancellationToken);
        return repos.GroupBy(r => r.FamilyId).ToDictionary(g => g.Key, g => new GitHubTotals(
            g.Count(),
            SumKnown(g.Select(r => (long?)r.Stars)),
            SumKnown(g.Select(r => (long?)r.Forks)),
            releases.FirstOrDefault(x => x.Family == g.Key)?.Count ?? 0,
            g.Max(r => r.LatestDay),
            asOf));
    }

    private static FamilySummary Summarize(
        Family family, List<DailyTotal> latest, Dictionary<(string Family, string Source), int> counts,
        Dictionary<string, DerivativeTotals> derivatives, Dictionary<string, GitHubTotals> github)
    {
        var byPlatform = new Dictionary<string, PlatformTotals>();
        var quality = new List<QualityFlag>();
        foreach (var source in Platform.Hubs)
        {
            var row = latest.FirstOrDefault(t => t.FamilyId == family.Id && t.Source == source);
            var models = counts.GetValueOrDefault((family.Id, source));
            if (row is null && models == 0)
            {
                continue;
            }

            byPlatform[source] = new PlatformTotals(models, row?.DownloadsAllTime, row?.Downloads30d, row?.Likes, row?.Day, row?.LastCollectedAt);
            if (row is not null && row.Reported < row.Expected)
            {
                quality.Add(new QualityFlag(QualityKinds.Partial,
                    $"{source}: {row.Expected - row.Reported} of {row.Expected} models did not report on {Day(row.Day)}; totals are a lower bound.", row.Day, row.Day,
                    source, row.Expected - row.Reported, row.Expected));
            }

            if (row is not null && row.Decreases > 0)
            {
                quality.Add(new QualityFlag(QualityKinds.CounterDecrease,
                    $"{source}: the all-time download counter of {row.Decreases} model(s) went down on {Day(row.Day)}; kept as reported.", row.Day, row.Day,
                    source, row.Decreases));
            }
        }

        var platforms = byPlatform.Values.ToList();
        var totals = new PlatformTotals(
            counts.GetValueOrDefault((family.Id, AcrossHubs)),
            SumKnown(platforms.Select(p => p.DownloadsAllTime)),
            SumKnown(platforms.Select(p => p.Downloads30d)),
            SumKnown(platforms.Select(p => p.Likes)),
            platforms.Max(p => p.Day),
            platforms.Max(p => p.AsOf));
        var familyDerivatives = derivatives.GetValueOrDefault(family.Id) ?? new DerivativeTotals(null, null, null, null, null, null, null);
        var familyGitHub = github.GetValueOrDefault(family.Id) ?? new GitHubTotals(0, null, null, 0, null, null);
        DateTime?[] times = [totals.AsOf, familyDerivatives.AsOf, familyGitHub.AsOf];
        return new FamilySummary(family.Id, family.Name, family.Vendor, totals, byPlatform, familyDerivatives, familyGitHub, times.Max(), quality);
    }

    private static async Task<Series> CounterSeriesAsync(
        TrackerDbContext db, string familyId, string metric, string? platform, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var rows = db.DailyTotals.AsNoTracking().Where(t => t.FamilyId == familyId && (platform == null || t.Source == platform));
        var bounds = await rows.GroupBy(_ => 1).Select(g => new { First = g.Min(t => t.Day), Last = g.Max(t => t.Day) }).FirstOrDefaultAsync(cancellationToken);
        if (bounds is null)
        {
            return new Series(familyId, metric, platform, null, [], null,
                [new QualityFlag(QualityKinds.NoData, "No snapshot has been collected yet: download and like series start at the first collection.")]);
        }

        var start = from is { } f && f > bounds.First ? f : bounds.First;
        var end = to is { } t && t < bounds.Last ? t : bounds.Last;
        var inRange = await rows.Where(r => r.Day >= start && r.Day <= end).ToListAsync(cancellationToken);
        var byDay = inRange.GroupBy(r => r.Day).ToDictionary(g => g.Key, g => g.ToList());
        var points = new List<SeriesPoint>();
        var quality = new List<QualityFlag>();
        DateOnly? gapStart = null;
        for (var day = start; day <= end; day = day.AddDays(1))
        {
            var reported = byDay.TryGetValue(day, out var dayRows) && dayRows.Sum(r => r.Reported) > 0;
            if (!reported)
            {
                gapStart ??= day;
                points.Add(new SeriesPoint(day, null));
                continue;
            }

            if (gapStart is { } g)
            {
                quality.Add(Gap(g, day.AddDays(-1)));
                gapStart = null;
            }

            points.Add(new SeriesPoint(day, SumKnown(dayRows!.Select(r => Pick(r, metric)))));
            var expected = dayRows!.Sum(r => r.Expected);
            var reportedCount = dayRows!.Sum(r => r.Reported);
            if (reportedCount < expected)
            {
                quality.Add(new QualityFlag(QualityKinds.Partial, $"{expected - reportedCount} of {expected} models did not report on {Day(day)}.", day, day,
                    Count: expected - reportedCount, Total: expected));
            }

            var decreases = dayRows!.Sum(r => r.Decreases);
            if (decreases > 0 && metric == Metrics.DownloadsAllTime)
            {
                quality.Add(new QualityFlag(QualityKinds.CounterDecrease, $"The all-time counter of {decreases} model(s) went down on {Day(day)}; kept as reported.", day, day,
                    Count: decreases));
            }
        }

        if (gapStart is { } open)
        {
            quality.Add(Gap(open, end));
        }

        return new Series(familyId, metric, platform, null, points, inRange.Max(r => r.LastCollectedAt), quality);
    }

    private async Task<Series> ModelCountSeriesAsync(
        TrackerDbContext db, string familyId, string? platform, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var copies = await db.Models.AsNoTracking()
            .Where(m => m.FamilyId == familyId && (platform == null || m.Source == platform))
            .Select(m => new { m.RepoKey, m.CreatedAt, m.FirstSeenAt, m.GoneSince, m.LastSeenAt })
            .ToListAsync(cancellationToken);

        // One model per name across both hubs: born with its earliest copy, gone when its last copy is.
        var models = copies.GroupBy(c => NameOf(c.RepoKey)).Select(g => new
        {
            CreatedAt = g.Min(c => c.CreatedAt),
            FirstSeenAt = g.Min(c => c.FirstSeenAt),
            GoneSince = g.All(c => c.GoneSince is not null) ? g.Max(c => c.GoneSince) : null,
            LastSeenAt = g.Max(c => c.LastSeenAt),
        }).ToList();
        if (models.Count == 0)
        {
            return new Series(familyId, Metrics.Models, platform, null, [], null,
                [new QualityFlag(QualityKinds.NoData, "No model of this family has been collected yet.")]);
        }

        // A model exists from its creation (or, when the hub does not know it, from when Tracker first saw it)
        // until the day a complete listing first missed it.
        var spans = models.Select(m => (Born: DateOnly.FromDateTime(m.CreatedAt ?? m.FirstSeenAt), Gone: m.GoneSince is { } g ? DateOnly.FromDateTime(g) : (DateOnly?)null)).ToList();
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = spans.Min(s => s.Born);
        var start = from is { } f && f > first ? f : first;
        var end = to ?? today;
        var born = spans.GroupBy(s => s.Born).ToDictionary(g => g.Key, g => g.Count());
        var gone = spans.Where(s => s.Gone is not null).GroupBy(s => s.Gone!.Value).ToDictionary(g => g.Key, g => g.Count());
        long count = spans.Count(s => s.Born < start) - spans.Count(s => s.Gone is { } g && g <= start.AddDays(-1));
        var points = new List<SeriesPoint>();
        for (var day = start; day <= end; day = day.AddDays(1))
        {
            count += born.GetValueOrDefault(day) - gone.GetValueOrDefault(day);
            points.Add(new SeriesPoint(day, count));
        }

        var quality = new List<QualityFlag>
        {
            new(QualityKinds.Partial, "Rebuilt from creation dates: repositories deleted before Tracker first listed them are missing."),
        };
        var unknown = models.Count(m => m.CreatedAt is null);
        if (unknown > 0)
        {
            quality.Add(new QualityFlag(QualityKinds.UnknownCreationDate,
                $"{unknown} model(s) have no known creation date and are counted from the day Tracker first saw them.", Count: unknown, Total: models.Count));
        }

        return new Series(familyId, Metrics.Models, platform, null, points, models.Max(m => m.LastSeenAt), quality);
    }

    /// <summary>
    /// Derivatives of the family's models that existed on each day, rebuilt from the children's creation dates (each child
    /// once per family, however many of its bases belong to it).
    /// </summary>
    private async Task<Series> DerivativeSeriesAsync(TrackerDbContext db, string familyId, string? relation, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var children = (await DerivativeBlocks.ReadAsync(db, db.Models.Where(m => m.FamilyId == familyId).Select(m => m.Id), cancellationToken))
            .Where(d => relation == null || d.Relation == relation).ToList();
        if (children.Count == 0)
        {
            return new Series(familyId, Metrics.Derivatives, Platform.HuggingFace, relation, [], null,
                [new QualityFlag(QualityKinds.NoData, "No derivative of this family has been listed yet.")]);
        }

        var born = children.GroupBy(c => c.RepoKey)
            .Select(g => DateOnly.FromDateTime(g.Min(c => c.CreatedAt ?? c.FirstSeenAt)))
            .GroupBy(d => d).ToDictionary(g => g.Key, g => g.Count());
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = born.Keys.Min();
        var start = from is { } f && f > first ? f : first;
        var end = to ?? today;
        long count = born.Where(b => b.Key < start).Sum(b => b.Value);
        var points = new List<SeriesPoint>();
        for (var day = start; day <= end; day = day.AddDays(1))
        {
            count += born.GetValueOrDefault(day);
            points.Add(new SeriesPoint(day, count));
        }

        var quality = new List<QualityFlag>
        {
            new(QualityKinds.Partial, "Rebuilt from the children's creation dates: derivatives deleted before Tracker listed them are missing, and only direct children are counted."),
        };
        var unknown = children.Count(c => c.CreatedAt is null);
        if (unknown > 0)
        {
            quality.Add(new QualityFlag(QualityKinds.UnknownCreationDate, $"{unknown} derivative(s) have no known creation date and count from the day Tracker first saw them.",
                Count: unknown, Total: children.Count));
        }

        return new Series(familyId, Metrics.Derivatives, Platform.HuggingFace, relation, points, children.Max(c => c.LastSeenAt), quality);
    }

    /// <summary>Stars or forks over the family's repositories per day, from Tracker's daily repository snapshots.</summary>
    private static async Task<Series> RepoSeriesAsync(TrackerDbContext db, string familyId, string metric, DateOnly? from, DateOnly? to, CancellationToken cancellationToken)
    {
        var rows = await (from s in db.RepoSnapshots.AsNoTracking()
                          join r in db.Repos.AsNoTracking() on s.RepoId equals r.Id
                          where r.FamilyId == familyId
                          group s by s.Day into g
                          select new { Day = g.Key, Stars = g.Sum(x => (long)x.Stars), Forks = g.Sum(x => (long)x.Forks), At = g.Max(x => x.CollectedAt) })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return new Series(familyId, metric, Platform.GitHub, null, [], null,
                [new QualityFlag(QualityKinds.NoData, "No GitHub snapshot has been collected yet.")]);
        }

        var byDay = rows.ToDictionary(r => r.Day);
        var first = rows.Min(r => r.Day);
        var last = rows.Max(r => r.Day);
        var start = from is { } f && f > first ? f : first;
        var end = to is { } t && t < last ? t : last;
        var points = new List<SeriesPoint>();
        var quality = new List<QualityFlag>();
        DateOnly? gapStart = null;
        for (var day = start; day <= end; day = day.AddDays(1))
        {
            if (byDay.TryGetValue(day, out var row))
            {
                if (gapStart is { } g)
                {
                    quality.Add(Gap(g, day.AddDays(-1)));
                    gapStart = null;
                }

                points.Add(new SeriesPoint(day, metric == Metrics.Stars ? row.Stars : row.Forks));
            }
            else
            {
                gapStart ??= day;
                points.Add(new SeriesPoint(day, null));
            }
        }

        if (gapStart is { } open)
        {
            quality.Add(Gap(open, end));
        }

        return new Series(familyId, metric, Platform.GitHub, null, points, rows.Max(r => r.At), quality);
    }

    private static async Task<List<(TrackedModel Model, long Id)>> PageAsync<TKey>(
        IQueryable<TrackedModel> query, Expression<Func<TrackedModel, TKey>> key, TKey? afterKey, long? afterId, int limit, CancellationToken cancellationToken)
        where TKey : struct
    {
        if (afterKey is { } k && afterId is { } id)
        {
            // Keyset: (key desc, id asc) strictly after the cursor, so pages stay stable while rows are added.
            var m = key.Parameters[0];
            var value = Expression.Constant(k, typeof(TKey));
            var body = Expression.OrElse(
                Expression.LessThan(key.Body, value),
                Expression.AndAlso(Expression.Equal(key.Body, value), Expression.GreaterThan(Expression.Property(m, nameof(TrackedModel.Id)), Expression.Constant(id))));
            query = query.Where(Expression.Lambda<Func<TrackedModel, bool>>(body, m));
        }

        var rows = await query.OrderByDescending(key).ThenBy(m => m.Id).Take(limit + 1).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r, r.Id))];
    }

    private static long? Pick(DailyTotal t, string metric) => metric switch
    {
        Metrics.DownloadsAllTime => t.DownloadsAllTime,
        Metrics.Downloads30d => t.Downloads30d,
        Metrics.Likes => t.Likes,
        _ => null,
    };

    /// <summary>The sum of the known values; null when none is known (unknown is not zero).</summary>
    private static long? SumKnown(IEnumerable<long?> values)
    {
        long? sum = null;
        foreach (var v in values)
        {
            if (v is { } x)
            {
                sum = (sum ?? 0) + x;
            }
        }

        return sum;
    }

    private static QualityFlag Gap(DateOnly from, DateOnly to) =>
        new(QualityKinds.Gap, from == to ? $"No collection on {Day(from)}." : $"No collection from {Day(from)} to {Day(to)}.", from, to);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record ModelCursor(long? Number, DateTime? Time, long Id)
    {
        // Opaque to clients: base64url of "sort|key|id". A cursor made for another sort is rejected.
        public static string Format(string sort, (TrackedModel Model, long Id) last)
        {
            var m = last.Model;
            var key = sort switch
            {
                ModelSorts.Downloads30d => (m.Downloads30d ?? -1).ToString(CultureInfo.InvariantCulture),
                ModelSorts.Likes => (m.Likes ?? -1).ToString(CultureInfo.InvariantCulture),
                ModelSorts.CreatedAt => (m.CreatedAt ?? DateTime.MinValue).Ticks.ToString(CultureInfo.InvariantCulture),
                _ => (m.DownloadsAllTime ?? -1).ToString(CultureInfo.InvariantCulture),
            };
            return Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{sort}|{key}|{last.Id.ToString(CultureInfo.InvariantCulture)}"));
        }

        public static ModelCursor Parse(string cursor, string sort)
        {
            string[] parts;
            try
            {
                parts = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)).Split('|');
            }
            catch (FormatException)
            {
                throw new FormatException("cursor is not one this API issued");
            }

            if (parts.Length != 3 || parts[0] != sort
                || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var key)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new FormatException("cursor is not one this API issued for this sort");
            }

            return sort == ModelSorts.CreatedAt
                ? new ModelCursor(null, new DateTime(key, DateTimeKind.Utc), id)
                : new ModelCursor(key, null, id);
        }
    }
}

public static class ModelSorts
{
    public const string DownloadsAllTime = "downloadsAllTime";
    public const string Downloads30d = "downloads30d";
    public const string Likes = "likes";
    public const string CreatedAt = "createdAt";

    public static readonly IReadOnlyList<string> All = [DownloadsAllTime, Downloads30d, Likes, CreatedAt];
}
