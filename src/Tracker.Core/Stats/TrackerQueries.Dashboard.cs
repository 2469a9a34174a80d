using Microsoft.EntityFrameworkCore;
using Tracker.Core.Data;

namespace Tracker.Core.Stats;

/// <summary>A value now, seven days earlier, and the change; null parts are unknown (no snapshot that day), not zero.</summary>
public sealed record WeekChange(long? Current, long? Previous, DateOnly? Day)
{
    public long? Delta => Current is { } c && Previous is { } p ? c - p : null;
}

public sealed record WeeklyCount(DateOnly Week, long Count);

/// <summary>One bar of a breakdown: a group's key (modality group, licence, size bucket) and how many models it holds.</summary>
public sealed record BreakdownItem(string Key, int Models, long? DownloadsAllTime);

public sealed record FamilyBreakdowns(IReadOnlyList<BreakdownItem> Modality, IReadOnlyList<BreakdownItem> License, IReadOnlyList<BreakdownItem> ParameterSize);

public sealed record RepoRow(string FullName, bool Archived, string? MovedTo, int? Stars, int? Forks, int? OpenIssues, DateTime? PushedAt, int Releases, DateTime? GoneSince);

public sealed record ModelSearchPage(IReadOnlyList<ModelRow> Items, int Total, int Page, int PageSize);

public sealed record ModelDerivatives(IReadOnlyDictionary<string, int> ByRelation, IReadOnlyList<DerivativeRow> Top);

public sealed record DerivativeRow(string RepoId, string? Relation, DateTime? CreatedAt, long? DownloadsAllTime, long? Likes);

public sealed record DecreaseRow(string Source, string RepoId, string FamilyId, DateOnly Day, long? Before, long? After);

/// <summary>Runs, gaps and counters that went down: what the methodology page shows about the data itself.</summary>
public sealed record DataHealth(IReadOnlyList<RunInfo> RecentRuns, IReadOnlyList<(string Family, QualityFlag Flag)> Gaps, IReadOnlyList<DecreaseRow> Decreases);

/// <summary>Pipeline tags grouped the way the dashboard's modality breakdown shows them.</summary>
public static class Modalities
{
    public const string Text = "text";
    public const string Vision = "vision";
    public const string Audio = "audio";
    public const string Video = "video";
    public const string ThreeD = "3d";
    public const string Multimodal = "multimodal";
    public const string Embedding = "embedding";
    public const string Other = "other";

    public static readonly IReadOnlyList<string> All = [Text, Vision, Audio, Video, ThreeD, Multimodal, Embedding, Other];

    // Hugging Face's pipeline tags per group; a tag not listed here is "other".
    private static readonly (string Group, string[] Tags)[] Groups =
    [
        (Text, ["text-generation", "text2text-generation", "fill-mask", "question-answering", "summarization", "translation", "text-classification", "token-classification", "zero-shot-classification", "table-question-answering", "text-ranking"]),
        (Vision, ["image-classification", "object-detection", "image-segmentation", "depth-estimation", "image-to-image", "text-to-image", "unconditional-image-generation", "mask-generation", "zero-shot-image-classification", "zero-shot-object-detection", "image-feature-extraction", "keypoint-detection"]),
        (Audio, ["automatic-speech-recognition", "text-to-speech", "text-to-audio", "audio-classification", "audio-to-audio", "voice-activity-detection"]),
        (Video, ["text-to-video", "image-to-video", "video-classification", "video-to-video"]),
        (ThreeD, ["text-to-3d", "image-to-3d"]),
        (Multimodal, ["image-text-to-text", "visual-question-answering", "document-question-answering", "any-to-any", "image-to-text", "audio-text-to-text", "video-text-to-text", "visual-document-retrieval"]),
        (Embedding, ["feature-extraction", "sentence-similarity"]),
    ];

    private static readonly Dictionary<string, string> ByTag =
        Groups.SelectMany(g => g.Tags.Select(t => (Tag: t, g.Group))).ToDictionary(x => x.Tag, x => x.Group, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every tag that belongs to a named group.</summary>
    public static IReadOnlyList<string> KnownTags { get; } = [.. Groups.SelectMany(g => g.Tags)];

    /// <summary>The group of a pipeline tag; a missing or unlisted tag is "other", never guessed.</summary>
    public static string Of(string? pipelineTag) => pipelineTag is not null && ByTag.TryGetValue(pipelineTag, out var g) ? g : Other;
}

/// <summary>Parameter-count buckets; a model whose hub reports no count is "unknown".</summary>
public static class ParameterSizes
{
    public const string Unknown = "unknown";

    public static readonly IReadOnlyList<string> All = ["<1B", "1–3B", "3–10B", "10–30B", "30–100B", "≥100B", Unknown];

    public static string Of(long? parameters) => parameters switch
    {
        null => Unknown,
        < 1_000_000_000 => "<1B",
        < 3_000_000_000 => "1–3B",
        < 10_000_000_000 => "3–10B",
        < 30_000_000_000 => "10–30B",
        < 100_000_000_000 => "30–100B",
        _ => "≥100B",
    };
}

public static class SeriesMath
{
    /// <summary>The newest known value and the known value seven days before it.</summary>
    public static WeekChange WeekOverWeek(Series? series)
    {
        var last = series?.Points.LastOrDefault(p => p.Value is not null);
        if (last is null)
        {
            return new WeekChange(null, null, null);
        }

        var before = series!.Points.FirstOrDefault(p => p.Day == last.Day.AddDays(-7))?.Value;
        return new WeekChange(last.Value, before, last.Day);
    }

    /// <summary>Monday of the ISO week holding <paramref name="day"/>: weeks are grouped the same way on every page.</summary>
    public static DateOnly WeekOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    /// <summary>
    /// Weekly increments of a cumulative series: the last known value of each week minus the last known value of the
    /// week before. A week without any known value is a gap (null), and so is the week after it (no honest baseline).
    /// </summary>
    public static IReadOnlyList<SeriesPoint> WeeklyIncrements(IReadOnlyList<SeriesPoint> points)
    {
        var result = new List<SeriesPoint>();
        long? previous = null;
        var first = true;
        foreach (var week in points.GroupBy(p => WeekOf(p.Day)).OrderBy(g => g.Key))
        {
            var last = week.LastOrDefault(p => p.Value is not null)?.Value;
            if (!first)
            {
                result.Add(new SeriesPoint(week.Key, last is { } l && previous is { } p ? l - p : null));
            }

            previous = last;
            first = false;
        }

        return result;
    }
}

public sealed partial class TrackerQueries
{
    /// <summary>Week-over-week change of a family's metric (all hubs together).</summary>
    public async Task<WeekChange> GetWeekChangeAsync(string familyId, string metric, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        return SeriesMath.WeekOverWeek(await GetSeriesAsync(familyId, metric, null, today.AddDays(-21), null, cancellationToken));
    }

    /// <summary>Whether any snapshot exists: one indexed probe, for pages that must decide before their heavier queries.</summary>
    public async Task<bool> HasSnapshotsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Snapshots.AnyAsync(cancellationToken);
    }

    /// <summary>The day the family's first model appeared on any hub (its creation date, else when Tracker first saw it).</summary>
    public async Task<DateOnly?> GetFirstReleaseAsync(string familyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var first = await db.Models.AsNoTracking().Where(m => m.FamilyId == familyId)
            .Select(m => (DateTime?)(m.CreatedAt ?? m.FirstSeenAt)).MinAsync(cancellationToken);
        return first is { } f ? DateOnly.FromDateTime(f) : null;
    }

    /// <summary>New models per ISO week, counted once by name across both hubs (dated by the earliest copy).</summary>
    public async Task<IReadOnlyList<WeeklyCount>> GetNewModelsPerWeekAsync(string familyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var copies = await db.Models.AsNoTracking().Where(m => m.FamilyId == familyId)
            .Select(m => new { m.RepoKey, m.CreatedAt, m.FirstSeenAt }).ToListAsync(cancellationToken);
        var weeks = copies.GroupBy(c => NameOf(c.RepoKey))
            .Select(g => SeriesMath.WeekOf(DateOnly.FromDateTime(g.Min(c => c.CreatedAt ?? c.FirstSeenAt))))
            .GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        if (weeks.Count == 0)
        {
            return [];
        }

        // Every week from the first to now, so an empty week reads as zero new models (a count, not a measurement).
        var result = new List<WeeklyCount>();
        var end = SeriesMath.WeekOf(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
        for (var w = weeks.Keys.Min(); w <= end; w = w.AddDays(7))
        {
            result.Add(new WeeklyCount(w, weeks.GetValueOrDefault(w)));
        }

        return result;
    }

    /// <summary>Modality, licence and parameter-size breakdowns of the family's current models (both hubs, each copy counted).</summary>
    public async Task<FamilyBreakdowns> GetBreakdownsAsync(string familyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Models.AsNoTracking().Where(m => m.FamilyId == familyId && m.GoneSince == null)
            .Select(m => new { m.PipelineTag, m.License, m.ParameterCount, m.DownloadsAllTime }).ToListAsync(cancellationToken);

        IReadOnlyList<BreakdownItem> Group(Func<int, string> key, IReadOnlyList<string>? order)
        {
            var groups = rows.Select((r, i) => (Key: key(i), r.DownloadsAllTime)).GroupBy(x => x.Key)
                .Select(g => new BreakdownItem(g.Key, g.Count(), SumKnown(g.Select(x => x.DownloadsAllTime))));
            return order is null
                ? [.. groups.OrderByDescending(g => g.Models).ThenBy(g => g.Key, StringComparer.Ordinal)]
                : [.. groups.OrderBy(g => IndexOf(order, g.Key))];
        }

        return new FamilyBreakdowns(
            Group(i => Modalities.Of(rows[i].PipelineTag), Modalities.All),
            Group(i => string.IsNullOrWhiteSpace(rows[i].License) ? "unknown" : rows[i].License!, null),
            Group(i => ParameterSizes.Of(rows[i].ParameterCount), ParameterSizes.All));
    }

    private static int IndexOf(IReadOnlyList<string> order, string key)
    {
        for (var i = 0; i < order.Count; i++)
        {
            if (order[i] == key)
            {
                return i;
            }
        }

        return order.Count;
    }

    /// <summary>The family's GitHub repositories with their newest counters, most starred first.</summary>
    public async Task<IReadOnlyList<RepoRow>> GetReposAsync(string familyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Repos.AsNoTracking().Where(r => r.FamilyId == familyId)
            .OrderByDescending(r => r.Stars ?? -1).ThenBy(r => r.FullName)
            .Select(r => new RepoRow(r.FullName, r.Archived, r.MovedTo, r.Stars, r.Forks, r.OpenIssues, r.PushedAt,
                db.Releases.Count(x => x.RepoId == r.Id), r.GoneSince))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Search, filter, sort and page the tracked models for the dashboard (offset pages: a person jumps to page 3; the
    /// API keeps its keyset cursor). <paramref name="search"/> matches the repository id, case-insensitively.
    /// </summary>
    public async Task<ModelSearchPage> SearchModelsAsync(
        string? search, string? familyId, string? platform, string? modality, string sort, bool ascending, int page, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        page = Math.Max(page, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var query = db.Models.AsNoTracking().Where(m => m.GoneSince == null);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var key = search.Trim().ToLowerInvariant();
            query = query.Where(m => m.RepoKey.Contains(key));
        }

        if (familyId is not null)
        {
            query = query.Where(m => m.FamilyId == familyId);
        }

        if (platform is not null)
        {
            query = query.Where(m => m.Source == platform);
        }

        if (modality is not null && Modalities.All.Contains(modality))
        {
            // Grouping lives in C#; the tags of the group are few, so filter on them in SQL.
            var tags = Modalities.KnownTags.Where(t => Modalities.Of(t) == modality).ToList();
            var known = Modalities.KnownTags.ToList();
            query = modality == Modalities.Other
                ? query.Where(m => m.PipelineTag == null || !known.Contains(m.PipelineTag))
                : query.Where(m => m.PipelineTag != null && tags.Contains(m.PipelineTag));
        }

        var total = await query.CountAsync(cancellationToken);
        query = (sort, ascending) switch
        {
            (ModelSorts.Downloads30d, false) => query.OrderByDescending(m => m.Downloads30d ?? -1),
            (ModelSorts.Downloads30d, true) => query.OrderBy(m => m.Downloads30d ?? -1),
            (ModelSorts.Likes, false) => query.OrderByDescending(m => m.Likes ?? -1),
            (ModelSorts.Likes, true) => query.OrderBy(m => m.Likes ?? -1),
            (ModelSorts.CreatedAt, false) => query.OrderByDescending(m => m.CreatedAt),
            (ModelSorts.CreatedAt, true) => query.OrderBy(m => m.CreatedAt),
            ("name", false) => query.OrderByDescending(m => m.RepoKey),
            ("name", true) => query.OrderBy(m => m.RepoKey),
            (_, true) => query.OrderBy(m => m.DownloadsAllTime ?? -1),
            _ => query.OrderByDescending(m => m.DownloadsAllTime ?? -1),
        };
        var items = await ((IOrderedQueryable<TrackedModel>)query).ThenBy(m => m.Id)
            .Skip((page - 1) * pageSize).Take(pageSize).Select(ToRow).ToListAsync(cancellationToken);
        return new ModelSearchPage(items, total, page, pageSize);
    }

    /// <summary>A model's direct derivatives: how many per relation, and the most downloaded ones.</summary>
    public async Task<ModelDerivatives> GetModelDerivativesAsync(string repoId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = repoId.ToLowerInvariant();
        var children = await DerivativeBlocks.ReadAsync(db, db.Models.Where(m => m.RepoKey == key).Select(m => m.Id), cancellationToken);
        var byRelation = children.GroupBy(d => d.Relation ?? "unknown").ToDictionary(g => g.Key, g => g.Count());
        var top = children.OrderByDescending(d => d.DownloadsAllTime ?? -1).ThenBy(d => d.RepoKey, StringComparer.Ordinal).Take(20)
            .Select(d => new DerivativeRow(d.RepoId, d.Relation, d.CreatedAt, d.DownloadsAllTime, d.Likes)).ToList();
        return new ModelDerivatives(byRelation, top);
    }

    /// <summary>Recent runs, every family's gaps in its download series, and the newest counter decreases.</summary>
    public async Task<DataHealth> GetDataHealthAsync(int runs, CancellationToken cancellationToken)
    {
        var gaps = new List<(string, QualityFlag)>();
        foreach (var family in catalog.Families)
        {
            var series = await GetSeriesAsync(family.Id, Metrics.DownloadsAllTime, null, null, null, cancellationToken);
            gaps.AddRange(series!.Quality.Where(q => q.Kind == QualityKinds.Gap).Select(q => (family.Id, q)));
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var recent = await db.CollectionRuns.AsNoTracking().OrderByDescending(r => r.Id).Take(runs)
            .Select(r => new RunInfo(r.Source, r.Kind, r.Org, r.Status, r.StartedAt, r.FinishedAt, r.Requests, r.Items, r.Bytes, r.Error))
            .ToListAsync(cancellationToken);
        var decreased = await (from s in db.Snapshots.AsNoTracking()
                               join m in db.Models.AsNoTracking() on s.ModelId equals m.Id
                               where s.AllTimeDecreased
                               orderby s.Day descending
                               select new { m.Id, m.Source, m.RepoId, m.FamilyId, s.Day, s.DownloadsAllTime }).Take(50).ToListAsync(cancellationToken);
        var decreases = new List<DecreaseRow>();
        foreach (var d in decreased)
        {
            var before = await db.Snapshots.AsNoTracking().Where(s => s.ModelId == d.Id && s.Day < d.Day)
                .OrderByDescending(s => s.Day).Select(s => s.DownloadsAllTime).FirstOrDefaultAsync(cancellationToken);
            decreases.Add(new DecreaseRow(d.Source, d.RepoId, d.FamilyId, d.Day, before, d.DownloadsAllTime));
        }

        return new DataHealth(recent, gaps, decreases);
    }

    /// <summary>Days on which some model's all-time counter went down, per family: drawn as markers on the download charts.</summary>
    public async Task<IReadOnlyList<DateOnly>> GetDecreaseDaysAsync(string familyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.DailyTotals.AsNoTracking().Where(t => t.FamilyId == familyId && t.Decreases > 0)
            .Select(t => t.Day).Distinct().OrderBy(d => d).ToListAsync(cancellationToken);
    }
}
