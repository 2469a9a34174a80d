using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Catalog;

namespace Tracker.Core.Stats;

/// <summary>A page of the releases feed; <see cref="NextCursor"/> continues it, null on the last page.</summary>
public sealed record ReleaseCursorPage(IReadOnlyList<ReleaseItem> Items, string? NextCursor, DateTime? AsOf);

public sealed partial class TrackerQueries
{
    /// <summary>
    /// New models on either hub and GitHub releases, newest first, a page at a time. The order is total (instant desc,
    /// then models before releases, then row id), and the cursor is the last item's key, so a page never repeats or
    /// skips an item that was there when paging began, however many new ones arrive in between.
    /// </summary>
    public async Task<ReleaseCursorPage> GetReleasePageAsync(
        string? familyId, DateOnly? from, DateOnly? to, int limit, string? cursor, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxPageSize);
        var after = cursor is null ? null : ReleaseCursor.Parse(cursor);
        var start = from?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) ?? DateTime.MinValue;
        var end = to?.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) ?? DateTime.MaxValue;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);

        var models = db.Models.AsNoTracking()
            .Where(m => m.CreatedAt != null && m.CreatedAt >= start && m.CreatedAt < end && (familyId == null || m.FamilyId == familyId));
        if (after is { } a)
        {
            // Models sort before releases at the same instant: after a release cursor, no model at that instant is left.
            models = a.Kind == ReleaseCursor.Model
                ? models.Where(m => m.CreatedAt < a.At || (m.CreatedAt == a.At && m.Id > a.Id))
                : models.Where(m => m.CreatedAt < a.At);
        }

        var modelRows = await models
            .OrderByDescending(m => m.CreatedAt).ThenBy(m => m.Id).Take(limit + 1)
            .Select(m => new { m.Id, Item = new ReleaseItem("model", m.FamilyId, m.Source, m.RepoId, null, null, m.CreatedAt!.Value, false, m.DownloadsAllTime) })
            .ToListAsync(cancellationToken);

        var releases = from r in db.Releases.AsNoTracking()
                       join repo in db.Repos.AsNoTracking() on r.RepoId equals repo.Id
                       where r.PublishedAt != null && r.PublishedAt >= start && r.PublishedAt < end && (familyId == null || repo.FamilyId == familyId)
                       select new { r, repo };
        if (after is { } b)
        {
            releases = b.Kind == ReleaseCursor.Model
                ? releases.Where(x => x.r.PublishedAt <= b.At)
                : releases.Where(x => x.r.PublishedAt < b.At || (x.r.PublishedAt == b.At && x.r.Id > b.Id));
        }

        var releaseRows = await releases
            .OrderByDescending(x => x.r.PublishedAt).ThenBy(x => x.r.Id).Take(limit + 1)
            .Select(x => new
            {
                x.r.Id,
                Item = new ReleaseItem("release", x.repo.FamilyId, Platform.GitHub, x.repo.FullName, x.r.Tag, x.r.Name, x.r.PublishedAt!.Value, x.r.Prerelease, x.r.AssetDownloads),
            })
            .ToListAsync(cancellationToken);

        var merged = modelRows.Select(m => (m.Item, m.Id, Kind: ReleaseCursor.Model))
            .Concat(releaseRows.Select(r => (r.Item, r.Id, Kind: ReleaseCursor.Release)))
            .OrderByDescending(x => x.Item.At).ThenBy(x => x.Kind, StringComparer.Ordinal).ThenBy(x => x.Id)
            .Take(limit + 1)
            .ToList();
        string? next = null;
        if (merged.Count > limit)
        {
            var (item, id, kind) = merged[limit - 1];
            next = ReleaseCursor.Format(kind, item.At, id);
            merged.RemoveAt(limit);
        }

        var asOf = await db.Collections.AsNoTracking().Where(c => c.FinishedAt != null).MaxAsync(c => c.FinishedAt, cancellationToken);
        return new ReleaseCursorPage([.. merged.Select(x => x.Item)], next, asOf);
    }

    private sealed record ReleaseCursor(string Kind, DateTime At, long Id)
    {
        public const string Model = "m";
        public const string Release = "r";

        // Opaque to clients: base64url of "rel|kind|ticks|id".
        public static string Format(string kind, DateTime at, long id) =>
            Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"rel|{kind}|{at.Ticks}|{id}")));

        public static ReleaseCursor Parse(string cursor)
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

            if (parts.Length != 4 || parts[0] != "rel" || parts[1] is not (Model or Release)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) || ticks > DateTime.MaxValue.Ticks
                || !long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new FormatException("cursor is not one this API issued for releases");
            }

            return new ReleaseCursor(parts[1], new DateTime(ticks, DateTimeKind.Utc), id);
        }
    }
}
