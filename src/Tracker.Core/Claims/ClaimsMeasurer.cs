using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Catalog;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Stats;

namespace Tracker.Core.Claims;

/// <summary>
/// Measures every claim of the ledger by the rules in claims.md and stores the day's measurement, keeping a row per
/// verdict change. Reads through <see cref="TrackerQueries"/> where the dashboard has the same number.
/// </summary>
public sealed class ClaimsMeasurer(ClaimsLedger ledger, TrackerQueries queries, IDbContextFactory<TrackerDbContext> contexts, DataStamp stamp, TimeProvider clock)
{
    /// <summary>Derivatives created within this many days of a release count as its reception "from the day it was announced".</summary>
    public const int ReceptionDays = 30;

    public async Task<IReadOnlyDictionary<string, ClaimResult>> MeasureAllAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var day = DateOnly.FromDateTime(now);
        var results = new Dictionary<string, ClaimResult>(StringComparer.Ordinal);
        foreach (var claim in ledger.Claims)
        {
            results[claim.Id] = await MeasureAsync(claim, cancellationToken);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<ClaimMeasurement>().Where(m => m.Day == day).ToDictionaryAsync(m => m.ClaimId, cancellationToken);
        var lastVerdicts = (await db.Set<ClaimVerdictChange>().AsNoTracking()
                .Select(c => new { c.ClaimId, c.Id, c.Verdict }).ToListAsync(cancellationToken))
            .GroupBy(c => c.ClaimId).ToDictionary(g => g.Key, g => g.MaxBy(c => c.Id)!.Verdict);
        foreach (var (id, result) in results)
        {
            var row = existing.GetValueOrDefault(id);
            if (row is null)
            {
                row = new ClaimMeasurement { ClaimId = id, Day = day, Verdict = "", ValueText = "", Platforms = "", Gap = "" };
                db.Add(row);
            }

            row.MeasuredAt = now;
            row.Verdict = result.Verdict;
            row.Value = result.Value;
            row.ValueText = Clip(result.ValueText, 512);
            row.Note = JsonSerializer.Serialize(result.Note, ClaimsJsonContext.Default.ClaimNote);
            row.ValueAsOf = result.ValueAsOf;
            row.AtClaimDate = result.AtClaimDate;
            row.Platforms = string.Join(',', result.Platforms);
            row.Gap = Clip(result.Gap, 2000);
            row.Breakdown = result.Breakdown.Count == 0 ? null : JsonSerializer.Serialize(result.Breakdown, ClaimsJsonContext.Default.IReadOnlyDictionaryStringNullableDouble);

            var previous = lastVerdicts.GetValueOrDefault(id);
            if (previous != result.Verdict)
            {
                db.Add(new ClaimVerdictChange { ClaimId = id, Day = day, ChangedAt = now, FromVerdict = previous, Verdict = result.Verdict, Value = result.Value });
            }
        }

        await stamp.SaveAsync(db, cancellationToken);
        return results;
    }

    public async Task<ClaimResult> MeasureAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return claim.Metric switch
        {
            ClaimMetrics.OpenModels => await OpenModelsAsync(claim, cancellationToken),
            ClaimMetrics.Modalities => await ModalitiesAsync(claim, cancellationToken),
            ClaimMetrics.CumulativeDownloads => await DownloadsAsync(claim, cancellationToken),
            ClaimMetrics.DerivativeModels => await DerivativesAsync(claim, cancellationToken),
            ClaimMetrics.ReleaseWave => await WaveAsync(claim, cancellationToken),
            ClaimMetrics.TopRanking => await RankingAsync(claim, cancellationToken),
            ClaimMetrics.Reception => await ReceptionAsync(claim, cancellationToken),
            ClaimMetrics.Fp8Weights => await Fp8Async(claim, cancellationToken),
            _ => new ClaimResult(Verdicts.NotVerifiable, null, new ClaimNote("not-measurable", []), null, false, [], claim.Reason ?? "Not measurable from hub data.", Empty),
        };
    }

    private static readonly IReadOnlyDictionary<string, double?> Empty = new Dictionary<string, double?>();

    private static string Family(ClaimEntry claim) => claim.Families.Count > 0 ? claim.Families[0] : throw new InvalidOperationException($"claim '{claim.Id}' names no family");

    private string FamilyName(string id) => queries.Catalog.Find(id)?.Name ?? id;

    private async Task<ClaimResult> OpenModelsAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var family = Family(claim);
        var asOf = claim.AsOf!.Value;
        var history = await RebuiltAsync(family, Metrics.Models, null, cancellationToken);
        var gap = $"Counts every repository of the {FamilyName(family)} orgs on Hugging Face and ModelScope (one model per name across hubs; quantized copies and "
            + "models outside the Qwen3 series included), rebuilt from creation dates: repositories deleted since are missing. The article names the Qwen3 series and no platform.";
        if (history.Count == 0)
        {
            return NoData(claim, gap, "no-models");
        }

        var (verdict, used, at) = VerdictRules.AtLeast(claim.Value!.Value, asOf, history);
        var breakdown = new Dictionary<string, double?>(StringComparer.Ordinal) { ["today"] = history[^1].Value };
        foreach (var platform in Platform.Hubs)
        {
            var series = await RebuiltAsync(family, Metrics.Models, platform, cancellationToken);
            breakdown[platform] = series.Where(v => v.Day <= asOf).MaxBy(v => v.Day)?.Value ?? (series.Count > 0 ? 0 : null);
        }

        return new ClaimResult(verdict, used?.Value, Describe(used, "models-on-day"), used?.Day, at, [Platform.HuggingFace, Platform.ModelScope], gap, breakdown);
    }

    private async Task<ClaimResult> DerivativesAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var family = Family(claim);
        var history = await RebuiltAsync(family, Metrics.Derivatives, null, cancellationToken);
        var gap = "Hugging Face model tree only (ModelScope has none): direct children naming a family model as base_model, rebuilt from the children's creation "
            + "dates; children deleted since are missing and grandchildren are not counted. The article's figure is global and names no platform.";
        if (history.Count == 0)
        {
            return NoData(claim, gap, "no-derivatives");
        }

        var (verdict, used, at) = VerdictRules.AtLeast(claim.Value!.Value, claim.AsOf!.Value, history);
        var details = await queries.GetFamilyAsync(family, cancellationToken);
        var breakdown = new Dictionary<string, double?>(StringComparer.Ordinal)
        {
            ["listedToday"] = history[^1].Value,
            ["hubCountToday"] = details?.Summary.Derivatives.Total,
        };
        return new ClaimResult(verdict, used?.Value, Describe(used, "derivatives-on-day"), used?.Day, at, [Platform.HuggingFace], gap, breakdown);
    }

    private async Task<ClaimResult> DownloadsAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var family = Family(claim);
        var series = await queries.GetSeriesAsync(family, Metrics.DownloadsAllTime, null, null, null, cancellationToken);
        var history = Known(series);
        var gap = "Sum of Hugging Face downloadsAllTime and ModelScope downloads over the family's repositories, from Tracker's own daily snapshots only: "
            + "history before the first snapshot cannot be rebuilt, so a later total can only bound the claim. The article names no platform.";
        if (history.Count == 0)
        {
            return NoData(claim, gap, "no-downloads");
        }

        var (verdict, used, at) = VerdictRules.AtLeast(claim.Value!.Value, claim.AsOf!.Value, history);
        var breakdown = new Dictionary<string, double?>(StringComparer.Ordinal) { ["latest"] = history[^1].Value };
        foreach (var platform in Platform.Hubs)
        {
            var perHub = Known(await queries.GetSeriesAsync(family, Metrics.DownloadsAllTime, platform, null, null, cancellationToken));
            breakdown[platform] = used is null ? null : perHub.FirstOrDefault(v => v.Day == used.Day)?.Value;
        }

        return new ClaimResult(verdict, used?.Value, Describe(used, "downloads-on-day"), used?.Day, at, [Platform.HuggingFace, Platform.ModelScope], gap, breakdown);
    }

    private async Task<ClaimResult> ModalitiesAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var family = Family(claim);
        var end = claim.AsOf!.Value.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tags = await db.Models.AsNoTracking()
            .Where(m => m.FamilyId == family && m.Source == Platform.HuggingFace && m.CreatedAt != null && m.CreatedAt < end && m.PipelineTag != null)
            .Select(m => m.PipelineTag!).ToListAsync(cancellationToken);
        var gap = "Modalities read from Hugging Face pipeline tags (input and output) of the family's models created by the date; a model without a tag is not counted.";
        if (tags.Count == 0)
        {
            return NoData(claim, gap, "no-tagged-models");
        }

        var counts = claim.Values.ToDictionary(v => v, v => (double?)tags.Count(t => VerdictRules.ModalitiesOf(t).Contains(v)), StringComparer.Ordinal);
        var covered = counts.Where(c => c.Value > 0).Select(c => c.Key).ToList();
        var missing = claim.Values.Except(covered).ToList();
        static NoteList Modalities(IEnumerable<string> names) => new([.. names.Select(n => new NoteTerm("Modality", n))]);
        var note = missing.Count == 0
            ? new ClaimNote("modalities-covered", [new NoteNumber(covered.Count), new NoteNumber(claim.Values.Count), Modalities(covered)])
            : new ClaimNote("modalities-missing", [new NoteNumber(covered.Count), new NoteNumber(claim.Values.Count), Modalities(covered), Modalities(missing)]);
        return new ClaimResult(missing.Count == 0 ? Verdicts.Consistent : Verdicts.Inconsistent, covered.Count, note, claim.AsOf, true, [Platform.HuggingFace], gap, counts);
    }

    private async Task<ClaimResult> WaveAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var (month, families, counts) = await WaveWeeksAsync(claim, cancellationToken);
        var gap = "New repositories per family and ISO week of the month on Hugging Face and ModelScope, by creation date (all repositories, not only \"core\" "
            + "models; deleted ones are missing). \"Almost simultaneously\" is read as: each named vendor created at least one repository that month.";
        if (families.Count == 0)
        {
            return NoData(claim, gap, "no-wave-models");
        }

        var perFamily = claim.Values.ToDictionary(f => f, f => counts.Where(c => c.Key.Family == f).Sum(c => c.Value), StringComparer.Ordinal);
        var active = perFamily.Count(p => p.Value > 0);
        var breakdown = counts.ToDictionary(c => $"{c.Key.Family}:{c.Key.Week:yyyy-MM-dd}", c => (double?)c.Value, StringComparer.Ordinal);
        var note = new ClaimNote("wave", [new NoteList([.. perFamily.Select(p => new NoteCount(FamilyName(p.Key), p.Value))]), new NoteMonth(month)]);
        return new ClaimResult(active == claim.Values.Count ? Verdicts.Consistent : Verdicts.Inconsistent, active, note, claim.AsOf, true,
            [Platform.HuggingFace, Platform.ModelScope], gap, breakdown);
    }

    /// <summary>New repositories per family and week (Monday) in the claim's month, by creation date.</summary>
    public async Task<(DateOnly Month, IReadOnlyList<string> Families, IReadOnlyDictionary<(string Family, DateOnly Week), int> Counts)> WaveWeeksAsync(
        ClaimEntry claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var month = new DateOnly(claim.AsOf!.Value.Year, claim.AsOf.Value.Month, 1);
        var start = month.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = month.AddMonths(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var families = claim.Values.ToList();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var known = await db.Models.AsNoTracking().Where(m => families.Contains(m.FamilyId)).Select(m => m.FamilyId).Distinct().ToListAsync(cancellationToken);
        var created = await db.Models.AsNoTracking()
            .Where(m => families.Contains(m.FamilyId) && m.CreatedAt >= start && m.CreatedAt < end)
            .Select(m => new { m.FamilyId, m.CreatedAt }).ToListAsync(cancellationToken);
        var counts = created
            .GroupBy(m => (m.FamilyId, WeekOf(DateOnly.FromDateTime(m.CreatedAt!.Value))))
            .ToDictionary(g => g.Key, g => g.Count());
        return (month, known, counts);
    }

    public static DateOnly WeekOf(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));

    private async Task<ClaimResult> RankingAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var top = (int)claim.Value!.Value;
        var asOf = claim.AsOf!.Value;
        var from = new DateOnly(asOf.Year, asOf.Month, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var inPeriod = await db.Set<RankingEntry>().AsNoTracking().Where(r => r.Day >= from && r.Day <= asOf && r.Rank <= top).ToListAsync(cancellationToken);
        var latest = await db.Set<RankingEntry>().AsNoTracking().Where(r => r.Origin == RankingOrigins.Trending)
            .OrderByDescending(r => r.Day).Select(r => (DateOnly?)r.Day).FirstOrDefaultAsync(cancellationToken);
        var breakdown = new Dictionary<string, double?>(StringComparer.Ordinal);
        var none = new ClaimNote("ranking-none", [new NoteMonth(from)]);
        if (latest is { } l)
        {
            var places = await db.Set<RankingEntry>().AsNoTracking()
                .Where(r => r.Day == l && r.Origin == RankingOrigins.Trending && r.Rank <= top).ToListAsync(cancellationToken);
            breakdown["latestChinese"] = places.Count(p => p.Country == OrgRegions.China);
            none = new ClaimNote("ranking-none-latest", [new NoteMonth(from), new NoteDay(l),
                new NoteNumber(places.Count(p => p.Country == OrgRegions.China)), new NoteNumber(top), new NoteNumber(places.Count(p => p.Country is null))]);
        }

        var gap = "The article names no ranking. Tracker's proxy is the top of Hugging Face trending (trendingScore), recorded daily from its first collection, "
            + "each author placed by Tracker's own org-to-country table (unknown orgs stay unknown). October 2025 can only be judged from an imported archived ranking.";
        if (inPeriod.Count == 0)
        {
            return new ClaimResult(Verdicts.NotVerifiable, null, none, latest, false, [Platform.HuggingFace], gap, breakdown);
        }

        var days = inPeriod.GroupBy(r => (r.Day, r.Origin)).Select(g => (g.Key.Day, g.Key.Origin,
            China: g.Count(r => r.Country == OrgRegions.China), Other: g.Count(r => r.Country is not null and not OrgRegions.China), Unknown: g.Count(r => r.Country is null))).ToList();
        var verdict = days.Any(d => d.Other > 0) ? Verdicts.Inconsistent
            : days.All(d => d.China >= top) ? Verdicts.Consistent
            : Verdicts.NotVerifiable;
        var (worstDay, worstOrigin, worstChina, _, worstUnknown) = days.MinBy(d => d.China);
        breakdown["days"] = days.Count;
        var summary = new ClaimNote("ranking", [new NoteNumber(days.Count), new NoteMonth(from), new NoteNumber(top), new NoteNumber(worstChina),
            new NoteDay(worstDay), new NoteTerm("Origin", worstOrigin), new NoteNumber(worstUnknown)]);
        return new ClaimResult(verdict, worstChina, summary, worstDay, true, [Platform.HuggingFace], gap, breakdown);
    }

    private async Task<ClaimResult> ReceptionAsync(ClaimEntry claim, CancellationToken cancellationToken)
    {
        var family = Family(claim);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var models = await db.Models.AsNoTracking()
            .Where(m => m.FamilyId == family && m.Source == Platform.HuggingFace && m.RepoKey.Contains("hunyuan3d"))
            .Select(m => new { m.Id, m.RepoKey, m.CreatedAt, m.DownloadsAllTime, m.Likes }).ToListAsync(cancellationToken);
        var ids = models.Select(m => m.Id).ToList();
        var children = await DerivativeBlocks.ReadAsync(db, db.Models.Where(m => ids.Contains(m.Id)).Select(m => m.Id), cancellationToken);
        var stars = await db.Repos.AsNoTracking().Where(r => r.FamilyId == family && r.RepoKey.Contains("hunyuan3d")).SumAsync(r => (long?)r.Stars, cancellationToken);
        var gap = $"\"A chain reaction\" is not a figure: Tracker reads it as derivatives on Hugging Face created within {ReceptionDays} days of the Omni model's "
            + "creation, beside downloads, likes and derivatives of all Hunyuan3D models and stars of the Hunyuan3D GitHub repositories (counters from Tracker's "
            + "snapshots, later than the release).";
        var omni = models.Where(m => m.RepoKey.Contains("hunyuan3d-omni", StringComparison.Ordinal)).ToList();
        var breakdown = new Dictionary<string, double?>(StringComparer.Ordinal)
        {
            ["hunyuan3dModels"] = models.Count,
            ["downloadsAllTime"] = models.Any(m => m.DownloadsAllTime is not null) ? models.Sum(m => m.DownloadsAllTime ?? 0) : null,
            ["likes"] = models.Any(m => m.Likes is not null) ? models.Sum(m => m.Likes ?? 0) : null,
            ["derivatives"] = children.Select(c => c.RepoKey).Distinct().Count(),
            ["githubStars"] = stars,
        };
        if (omni.Count == 0 || omni.All(o => o.CreatedAt is null))
        {
            return new ClaimResult(Verdicts.NotVerifiable, null, new ClaimNote("reception-none", []), null, false,
                [Platform.HuggingFace, Platform.GitHub], gap, breakdown);
        }

        var release = omni.Where(o => o.CreatedAt is not null).Min(o => o.CreatedAt!.Value);
        var omniIds = omni.Select(o => o.Id).ToHashSet();
        var early = children.Where(c => omniIds.Contains(c.BaseModelId) && c.CreatedAt is { } t && t < release.AddDays(ReceptionDays)).Select(c => c.RepoKey).Distinct().Count();
        var omniDownloads = omni.Sum(o => o.DownloadsAllTime ?? 0) + omni.Sum(o => o.Likes ?? 0);
        breakdown["omniDerivativesFirst30Days"] = early;
        var verdict = early > 0 ? Verdicts.Consistent : omniDownloads > 0 ? Verdicts.LowerBoundOnly : Verdicts.Inconsistent;
        var note = new ClaimNote("reception", [new NoteNumber(early), new NoteNumber(ReceptionDays), new NoteDay(DateOnly.FromDateTime(release))]);
        return new ClaimResult(verdict, early, note, DateOnly.FromDateTime(release).AddDays(ReceptionDays), early > 0, [Platform.HuggingFace, Platform.GitHub], gap, breakdown);
    }

    private async Task<ClaimResult> Fp8Async(ClaimEntry claim, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var model = await db.Models.AsNoTracking()
            .Where(m => m.Source == Platform.HuggingFace && m.RepoKey == "deepseek-ai/deepseek-r1")
            .OrderBy(m => m.Id)
            .Select(m => new { m.ParameterDtypes, m.PipelineTag, m.LastSeenAt }).FirstOrDefaultAsync(cancellationToken);
        var gap = "The FP8 part is checked against the weights' safetensors dtypes; \"video generation\" against the model's pipeline tag. "
            + "The energy saving (30%+) is not measurable from hub data.";
        if (model is null)
        {
            return NoData(claim, gap, "fp8-no-model");
        }

        var dtypes = ParseDtypes(model.ParameterDtypes);
        var (verdict, note) = VerdictRules.Fp8(dtypes, model.PipelineTag, claim.Values);
        var breakdown = (dtypes ?? new Dictionary<string, long>()).ToDictionary(d => d.Key, d => (double?)d.Value, StringComparer.Ordinal);
        var fp8 = dtypes?.Where(d => d.Key.StartsWith("F8_", StringComparison.OrdinalIgnoreCase)).Sum(d => d.Value);
        return new ClaimResult(verdict, fp8, note, DateOnly.FromDateTime(model.LastSeenAt), false, [Platform.HuggingFace], gap, breakdown);
    }

    public static IReadOnlyDictionary<string, long>? ParseDtypes(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(json, ClaimsJsonContext.Default.DictionaryStringInt64);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A rebuilt (creation-date) series as dated values, with a zero the day before its first model: the rebuild covers every earlier day.</summary>
    private async Task<List<DatedValue>> RebuiltAsync(string family, string metric, string? platform, CancellationToken cancellationToken)
    {
        var series = await queries.GetSeriesAsync(family, metric, platform, null, null, cancellationToken);
        var values = Known(series);
        if (values.Count > 0)
        {
            values.Insert(0, new DatedValue(values[0].Day.AddDays(-1), 0));
        }

        return values;
    }

    private static List<DatedValue> Known(Series? series) =>
        series is null ? [] : [.. series.Points.Where(p => p.Value is not null).Select(p => new DatedValue(p.Day, p.Value!.Value))];

    private static ClaimResult NoData(ClaimEntry claim, string gap, string why) =>
        new(Verdicts.NotVerifiable, null, new ClaimNote(why, []), null, false, claim.Platforms, gap, Empty);

    private static ClaimNote Describe(DatedValue? used, string key) =>
        used is null ? new ClaimNote("no-value", []) : new ClaimNote(key, [new NoteNumber(used.Value), new NoteDay(used.Day)]);

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IReadOnlyDictionary<string, double?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, double?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, long>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ClaimNote))]
internal sealed partial class ClaimsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
