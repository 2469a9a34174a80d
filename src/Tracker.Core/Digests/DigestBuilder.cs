using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Catalog;
using Tracker.Core.Claims;
using Tracker.Core.Data;
using Tracker.Core.Stats;

namespace Tracker.Core.Digests;

/// <summary>
/// Builds a week's digest from the dashboard's own queries, once per (week, language, family set): the first build is
/// stored and every later reader — deliveries, the archive, the API — gets that stored copy.
/// </summary>
public sealed class DigestBuilder(TrackerQueries queries, ClaimsLedger ledger, IDbContextFactory<TrackerDbContext> contexts, TimeProvider clock)
{
    public const int ListLimit = 20;
    public const int MoversLimit = 5;
    public static readonly IReadOnlyList<string> Relations = ["finetune", "quantized", "adapter", "merge"];

    public FamilyCatalog Catalog => queries.Catalog;

    /// <summary>Canonical family set: known ids, lower-case, catalogue order; empty or null means all.</summary>
    public IReadOnlyList<string> NormalizeFamilies(IEnumerable<string>? families)
    {
        var wanted = families?.Select(f => f.Trim()).Where(f => f.Length > 0).ToList() ?? [];
        return wanted.Count == 0
            ? [.. Catalog.Families.Select(f => f.Id)]
            : [.. Catalog.Families.Where(f => wanted.Contains(f.Id, StringComparer.OrdinalIgnoreCase)).Select(f => f.Id)];
    }

    public async Task<WeeklyDigest> GetOrBuildAsync(DigestWeek week, string language, IReadOnlyList<string> families, CancellationToken cancellationToken)
    {
        var key = string.Join(',', families);
        var name = week.ToString();
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var stored = await db.Set<DigestIssue>().AsNoTracking()
                .Where(i => i.Week == name && i.Language == language && i.Families == key)
                .Select(i => i.Content).FirstOrDefaultAsync(cancellationToken);
            if (stored is not null)
            {
                return Deserialize(stored);
            }
        }

        var digest = await BuildAsync(week, language, families, cancellationToken);
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            db.Set<DigestIssue>().Add(new DigestIssue
            {
                Week = name,
                Language = language,
                Families = key,
                BuiltAt = digest.BuiltAt,
                Content = JsonSerializer.Serialize(digest, DigestJsonContext.Default.WeeklyDigest),
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another run stored it first: that copy is the week's digest.
                await using var again = await contexts.CreateDbContextAsync(cancellationToken);
                return Deserialize(await again.Set<DigestIssue>().AsNoTracking()
                    .Where(i => i.Week == name && i.Language == language && i.Families == key).Select(i => i.Content).FirstAsync(cancellationToken));
            }
        }

        return digest;
    }

    /// <summary>The weeks stored in the archive for a language and family set, newest first.</summary>
    public async Task<IReadOnlyList<(string Week, DateTime BuiltAt)>> ArchiveAsync(string language, IReadOnlyList<string> families, int limit, CancellationToken cancellationToken)
    {
        var key = string.Join(',', families);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var rows = await db.Set<DigestIssue>().AsNoTracking()
            .Where(i => i.Language == language && i.Families == key)
            .OrderByDescending(i => i.Week).Take(limit)
            .Select(i => new { i.Week, i.BuiltAt }).ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Week, r.BuiltAt))];
    }

    /// <summary>The stored digest of a week, or null when it was never built.</summary>
    public async Task<WeeklyDigest?> FindAsync(DigestWeek week, string language, IReadOnlyList<string> families, CancellationToken cancellationToken)
    {
        var key = string.Join(',', families);
        var name = week.ToString();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var stored = await db.Set<DigestIssue>().AsNoTracking()
            .Where(i => i.Week == name && i.Language == language && i.Families == key).Select(i => i.Content).FirstOrDefaultAsync(cancellationToken);
        return stored is null ? null : Deserialize(stored);
    }

    private static WeeklyDigest Deserialize(string json) => JsonSerializer.Deserialize(json, DigestJsonContext.Default.WeeklyDigest)!;

    private async Task<WeeklyDigest> BuildAsync(DigestWeek week, string language, IReadOnlyList<string> families, CancellationToken cancellationToken)
    {
        var summaries = await queries.GetFamiliesAsync(cancellationToken);
        var sections = new List<FamilyDigest>();
        var verdicts = await queries.GetVerdictChangesAsync(week.Monday, week.Sunday, cancellationToken);
        foreach (var id in families)
        {
            if (summaries.FirstOrDefault(s => s.Id == id) is { } summary)
            {
                // The article's claims about this family (a claim about several vendors belongs to each of them).
                var claims = ledger.Claims.Where(c => c.Families.Contains(id, StringComparer.OrdinalIgnoreCase)).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
                var section = await BuildFamilyAsync(summary, week, cancellationToken);
                sections.Add(section with { ClaimChanges = [.. verdicts.Where(v => claims.Contains(v.ClaimId))] });
            }
        }

        return new WeeklyDigest(week.ToString(), week.Monday, week.Sunday, language, families, clock.GetUtcNow().UtcDateTime, sections);
    }

    private async Task<FamilyDigest> BuildFamilyAsync(FamilySummary family, DigestWeek week, CancellationToken cancellationToken)
    {
        var (from, to) = (week.Monday, week.Sunday);
        var before = from.AddDays(-1);
        var downloads = await queries.GetSeriesAsync(family.Id, Metrics.DownloadsAllTime, null, from.AddDays(-8), to, cancellationToken);
        var models = await queries.GetSeriesAsync(family.Id, Metrics.Models, null, before, to, cancellationToken);
        var releases = await queries.GetReleasesAsync(family.Id, from, to, 200, cancellationToken);
        var derivatives = new List<DerivativeGrowth>();
        foreach (var relation in Relations)
        {
            var series = await queries.GetSeriesAsync(family.Id, Metrics.Derivatives, null, before, to, cancellationToken, relation);
            var total = LastKnown(series, to);
            derivatives.Add(new DerivativeGrowth(relation, total, total - (series?.Points.Count > 0 ? LastKnown(series, before) ?? 0 : null)));
        }

        var movers = await queries.GetTopMoversAsync(family.Id, from, to, MoversLimit, cancellationToken);
        var end = LastKnown(downloads, to);
        var start = LastKnown(downloads, before);
        var earlier = LastKnown(downloads, from.AddDays(-8));
        var quality = (downloads?.Quality ?? [])
            .Where(q => q.Kind is QualityKinds.Gap or QualityKinds.CounterDecrease or QualityKinds.Partial or QualityKinds.NoData
                && (q.From is null || (q.To ?? q.From) >= from) && (q.From is null || q.From <= to))
            .ToList();
        return new FamilyDigest(
            family.Id, family.Name, family.Vendor, family.Totals.Models,
            LastKnown(models, to) - LastKnown(models, before),
            end - start, start - earlier,
            [.. releases.Items.Where(i => i.Kind == "model").Take(ListLimit)],
            [.. releases.Items.Where(i => i.Kind == "release").Take(ListLimit)],
            derivatives, movers, quality);
    }

    /// <summary>The newest known value at or before <paramref name="day"/>.</summary>
    private static long? LastKnown(Series? series, DateOnly day) =>
        series?.Points.Where(p => p.Day <= day && p.Value is not null).Select(p => p.Value).LastOrDefault();
}
