using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Catalog;
using Tracker.Core.Claims;
using Tracker.Core.Data;

namespace Tracker.Core.Stats;

/// <summary>A claim's latest measurement; <see cref="Note"/> is <see cref="ValueText"/> as data (null on rows measured before notes were kept).</summary>
public sealed record ClaimMeasurementView(
    string Verdict,
    double? Value,
    string ValueText,
    ClaimNote? Note,
    DateOnly? ValueAsOf,
    bool AtClaimDate,
    DateOnly? MeasuredOn,
    DateTime? MeasuredAt,
    IReadOnlyList<string> Platforms,
    string Gap,
    IReadOnlyDictionary<string, double?> Breakdown);

public sealed record VerdictChangeView(DateOnly Day, DateTime ChangedAt, string? From, string Verdict, double? Value);

public sealed record ClaimView(ClaimEntry Claim, ClaimMeasurementView Measurement, IReadOnlyList<VerdictChangeView> History, IReadOnlyList<PublishedFigure> Published);

public sealed record RankingRow(DateOnly Day, string Origin, int Rank, string RepoId, string Author, string? Country, double? Score, string? Note);

public sealed record ClaimsOverview(ArticleInfo Article, IReadOnlyList<ClaimView> Claims, IReadOnlyList<PublishedFigure> OtherPublished, IReadOnlyList<RankingRow> LatestRanking);

/// <summary>One drawn series; its <see cref="Label"/> is a sentence a page words in its own language (<see cref="Name"/> is the English).</summary>
public sealed record ClaimChartSeries(ClaimNote Label, IReadOnlyList<string> X, IReadOnlyList<long?> Y)
{
    public string Name => Label.English;
}

/// <summary>A point drawn over a claim's chart: the claim itself, or a published figure (with its source).</summary>
public sealed record ClaimChartMarker(string Kind, string X, double Y, string Label, Uri? Url);

public sealed record ClaimChartData(bool Bars, IReadOnlyList<ClaimChartSeries> Series, IReadOnlyList<ClaimChartMarker> Markers);

/// <summary>The claims ledger with its measurements: what /claims, the family pages and /api/v1/claims all read.</summary>
public sealed class ClaimsQueries(ClaimsLedger ledger, TrackerQueries queries, IDbContextFactory<TrackerDbContext> contexts, ClaimsMeasurer measurer)
{
    public const string ClaimMarker = "claim";
    public const string PublishedMarker = "published";

    public ClaimsLedger Ledger => ledger;

    public async Task<ClaimsOverview> GetOverviewAsync(string? familyId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = await LatestAsync(db, null, cancellationToken);
        var history = await HistoryAsync(db, null, cancellationToken);
        var claims = ledger.Claims
            .Where(c => familyId is null || c.Families.Contains(familyId, StringComparer.OrdinalIgnoreCase))
            .Select(c => View(c, latest.GetValueOrDefault(c.Id), history)).ToList();
        var other = ledger.Published.Where(p => p.Claim is null).OrderBy(p => p.Family, StringComparer.Ordinal).ThenBy(p => p.Date).ToList();
        var day = await db.Set<RankingEntry>().AsNoTracking().Where(r => r.Origin == RankingOrigins.Trending)
            .OrderByDescending(r => r.Day).Select(r => (DateOnly?)r.Day).FirstOrDefaultAsync(cancellationToken);
        var ranking = day is null ? [] : await RankingAsync(db, day.Value, RankingOrigins.Trending, cancellationToken);
        return new ClaimsOverview(ledger.Article, claims, other, ranking);
    }

    public async Task<ClaimView?> GetClaimAsync(string id, CancellationToken cancellationToken)
    {
        if (ledger.Find(id) is not { } claim)
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var latest = await LatestAsync(db, claim.Id, cancellationToken);
        var history = await HistoryAsync(db, claim.Id, cancellationToken);
        return View(claim, latest.GetValueOrDefault(claim.Id), history);
    }

    /// <summary>A dated ranking (recorded trending or imported), best place first.</summary>
    public async Task<IReadOnlyList<RankingRow>> GetRankingAsync(DateOnly day, string origin, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await RankingAsync(db, day, origin, cancellationToken);
    }

    /// <summary>The measured series behind a claim, with the claim and the published figures as markers; null when there is nothing to draw.</summary>
    public async Task<ClaimChartData?> GetChartAsync(string id, CancellationToken cancellationToken)
    {
        if (ledger.Find(id) is not { Checkable: true } claim)
        {
            return null;
        }

        var markers = new List<ClaimChartMarker>();
        if (claim.Value is { } value && claim.AsOf is { } asOf && claim.Comparator is ">=" or "top-n")
        {
            markers.Add(new ClaimChartMarker(ClaimMarker, Day(asOf), value, $"{claim.Id}: {claim.QuoteEn}", null));
        }

        markers.AddRange(ledger.PublishedFor(claim.Id).Where(p => p.Value is not null && claim.Comparator is ">=" or "top-n" && p.Value > 1)
            .Select(p => new ClaimChartMarker(PublishedMarker, Day(p.Date), p.Value!.Value, $"{p.AsOfText} {p.SourceKind} ({p.Reliability}): {p.Scope}", p.Url)));
        var family = claim.Families.Count > 0 ? claim.Families[0] : "";
        var name = queries.Catalog.Find(family)?.Name ?? family;
        switch (claim.Metric)
        {
            case ClaimMetrics.OpenModels:
                return Line(await queries.GetSeriesAsync(family, Metrics.Models, null, null, null, cancellationToken), Label("series-models", new NoteText(name)), markers);
            case ClaimMetrics.DerivativeModels:
                return Line(await queries.GetSeriesAsync(family, Metrics.Derivatives, null, null, null, cancellationToken), Label("series-derivatives", new NoteText(name)), markers);
            case ClaimMetrics.CumulativeDownloads:
                return Line(await queries.GetSeriesAsync(family, Metrics.DownloadsAllTime, null, null, null, cancellationToken), Label("series-downloads", new NoteText(name)), markers);
            case ClaimMetrics.ReleaseWave:
                var (_, _, counts) = await measurer.WaveWeeksAsync(claim, cancellationToken);
                var month = new DateOnly(claim.AsOf!.Value.Year, claim.AsOf.Value.Month, 1);
                var weeks = Enumerable.Range(0, 6).Select(i => ClaimsMeasurer.WeekOf(month).AddDays(7 * i)).Where(w => w <= claim.AsOf.Value).ToList();
                return new ClaimChartData(true, [.. claim.Values.Select(f => new ClaimChartSeries(Label("series-family", new NoteText(queries.Catalog.Find(f)?.Name ?? f)),
                    [.. weeks.Select(Day)], [.. weeks.Select(w => (long?)counts.GetValueOrDefault((f, w)))]))], []);
            case ClaimMetrics.TopRanking:
                await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
                {
                    var top = (int)claim.Value!.Value;
                    var rows = await db.Set<RankingEntry>().AsNoTracking().Where(r => r.Rank <= top)
                        .Select(r => new { r.Day, r.Origin, r.Country }).ToListAsync(cancellationToken);
                    var series = rows.GroupBy(r => r.Origin).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
                    {
                        var days = g.GroupBy(r => r.Day).OrderBy(d => d.Key).ToList();
                        return new ClaimChartSeries(Label(g.Key == RankingOrigins.Trending ? "series-trending" : "series-imported", new NoteNumber(top)),
                            [.. days.Select(d => Day(d.Key))], [.. days.Select(d => (long?)d.Count(r => r.Country == OrgRegions.China))]);
                    }).ToList();
                    return series.Count == 0 ? null : new ClaimChartData(false, series, markers);
                }

            case ClaimMetrics.Reception:
                await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
                {
                    var bases = db.Models.Where(m => m.FamilyId == family && m.RepoKey.Contains("hunyuan3d")).Select(m => m.Id);
                    var born = (await DerivativeBlocks.ReadAsync(db, bases, cancellationToken)).Select(d => new { d.RepoKey, Created = d.CreatedAt ?? d.FirstSeenAt }).ToList();
                    if (born.Count == 0)
                    {
                        return null;
                    }

                    var perDay = born.GroupBy(b => b.RepoKey).Select(g => DateOnly.FromDateTime(g.Min(b => b.Created))).GroupBy(d => d).OrderBy(g => g.Key).ToList();
                    long total = 0;
                    var y = perDay.Select(g => (long?)(total += g.Count())).ToList();
                    return new ClaimChartData(false, [new ClaimChartSeries(Label("series-hunyuan3d-derivatives"), [.. perDay.Select(g => Day(g.Key))], y)], []);
                }

            case ClaimMetrics.Modalities or ClaimMetrics.Fp8Weights:
                var view = await GetClaimAsync(claim.Id, cancellationToken);
                var parts = view!.Measurement.Breakdown;
                return parts.Count == 0 ? null : new ClaimChartData(true,
                    [new ClaimChartSeries(claim.Metric == ClaimMetrics.Modalities ? Label("series-modalities", new NoteText(name), new NoteDay(claim.AsOf!.Value)) : Label("series-dtypes"),
                        [.. parts.Keys], [.. parts.Values.Select(v => v is null ? (long?)null : (long)v.Value)])], []);
            default:
                return null;
        }
    }

    private static ClaimNote Label(string key, params NoteArg[] args) => new(key, args);

    private static ClaimChartData? Line(Series? series, ClaimNote name, List<ClaimChartMarker> markers) =>
        series is null || series.Points.Count == 0
            ? null
            : new ClaimChartData(false, [new ClaimChartSeries(name, [.. series.Points.Select(p => Day(p.Day))], [.. series.Points.Select(p => p.Value)])], markers);

    private ClaimView View(ClaimEntry claim, ClaimMeasurement? row, IReadOnlyList<ClaimVerdictChange> history)
    {
        var unmeasured = new ClaimNote(claim.Checkable ? "not-measured" : "not-measurable", []);
        var measurement = row is null
            ? new ClaimMeasurementView(Verdicts.NotVerifiable, null, unmeasured.English, unmeasured, null, false, null, null, [],
                claim.Checkable ? "Tracker has not measured this claim yet: it is measured after every collection." : claim.Reason ?? "", new Dictionary<string, double?>())
            : new ClaimMeasurementView(row.Verdict, row.Value, row.ValueText,
                row.Note is null ? null : JsonSerializer.Deserialize(row.Note, ClaimsJsonContext.Default.ClaimNote), row.ValueAsOf, row.AtClaimDate, row.Day, row.MeasuredAt,
                row.Platforms.Length == 0 ? [] : row.Platforms.Split(','), row.Gap,
                row.Breakdown is null ? new Dictionary<string, double?>() : JsonSerializer.Deserialize(row.Breakdown, ClaimsJsonContext.Default.DictionaryStringNullableDouble)!);
        var changes = history.Where(h => h.ClaimId == claim.Id).OrderBy(h => h.Id)
            .Select(h => new VerdictChangeView(h.Day, h.ChangedAt, h.FromVerdict, h.Verdict, h.Value)).ToList();
        return new ClaimView(claim, measurement, changes, ledger.PublishedFor(claim.Id));
    }

    private static async Task<Dictionary<string, ClaimMeasurement>> LatestAsync(TrackerDbContext db, string? id, CancellationToken cancellationToken)
    {
        var rows = db.Set<ClaimMeasurement>().AsNoTracking().Where(m => id == null || m.ClaimId == id);
        var newest = await rows.Where(m => m.Day == rows.Where(x => x.ClaimId == m.ClaimId).Max(x => x.Day)).ToListAsync(cancellationToken);
        return newest.ToDictionary(m => m.ClaimId, StringComparer.Ordinal);
    }

    private static async Task<List<ClaimVerdictChange>> HistoryAsync(TrackerDbContext db, string? id, CancellationToken cancellationToken) =>
        await db.Set<ClaimVerdictChange>().AsNoTracking().Where(c => id == null || c.ClaimId == id).ToListAsync(cancellationToken);

    private static async Task<List<RankingRow>> RankingAsync(TrackerDbContext db, DateOnly day, string origin, CancellationToken cancellationToken) =>
        await db.Set<RankingEntry>().AsNoTracking().Where(r => r.Day == day && r.Origin == origin).OrderBy(r => r.Rank)
            .Select(r => new RankingRow(r.Day, r.Origin, r.Rank, r.RepoId, r.Author, r.Country, r.Score, r.Note)).ToListAsync(cancellationToken);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
