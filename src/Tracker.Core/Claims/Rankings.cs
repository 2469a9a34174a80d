using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Sources.HuggingFace;

namespace Tracker.Core.Claims;

/// <summary>Records the top of Hugging Face trending once a day, each author with its country from <see cref="OrgRegions"/>.</summary>
public sealed class TrendingRecorder(HuggingFaceTrendingSource source, OrgRegions regions, IDbContextFactory<TrackerDbContext> contexts, DataStamp stamp, TimeProvider clock)
{
    public const int Size = 20;

    /// <summary>The day's ranking; false when it was already recorded today (nothing fetched). Safe to run twice.</summary>
    public async Task<bool> RecordAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var day = DateOnly.FromDateTime(now);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.Set<RankingEntry>().AnyAsync(r => r.Day == day && r.Origin == RankingOrigins.Trending, cancellationToken))
        {
            return false;
        }

        var top = await source.ListTrendingAsync(Size, cancellationToken);
        db.Set<RankingEntry>().AddRange(top.Select(t => new RankingEntry
        {
            Day = day,
            Origin = RankingOrigins.Trending,
            Rank = t.Rank,
            RepoId = t.Id,
            Author = t.Author,
            Country = regions.CountryOf(t.Author),
            Score = t.TrendingScore,
            PipelineTag = t.PipelineTag,
            RecordedAt = now,
        }));
        await stamp.SaveAsync(db, cancellationToken);
        return true;
    }
}

/// <summary>
/// Imports an archived, dated ranking from CSV: a header naming at least <c>rank</c> and <c>model</c> (owner/name; also
/// accepted: <c>repo_id</c>, <c>id</c>), optionally <c>score</c>. Replaces an earlier import of the same day.
/// </summary>
public sealed class RankingImporter(OrgRegions regions, IDbContextFactory<TrackerDbContext> contexts, DataStamp stamp, TimeProvider clock)
{
    public const int MaxRows = 1000;

    private static readonly string[] ModelColumns = ["model", "repo_id", "id"];

    public async Task<int> ImportAsync(TextReader csv, DateOnly day, string? note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var rows = Parse(csv);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Set<RankingEntry>().AddRange(rows.Select(r => new RankingEntry
        {
            Day = day,
            Origin = RankingOrigins.Imported,
            Rank = r.Rank,
            RepoId = r.Model,
            Author = r.Model.Split('/')[0],
            Country = regions.CountryOf(r.Model.Split('/')[0]),
            Score = r.Score,
            Note = note is { Length: > 512 } ? note[..512] : note,
            RecordedAt = now,
        }));
        // The earlier import of the day goes in the same transaction as the rows that replace it.
        await stamp.SaveAsync(db, ct => db.Set<RankingEntry>().Where(r => r.Day == day && r.Origin == RankingOrigins.Imported).ExecuteDeleteAsync(ct), cancellationToken);
        return rows.Count;
    }

    /// <summary>The rows of a ranking CSV; <see cref="FormatException"/> naming the line when one is wrong.</summary>
    public static IReadOnlyList<(int Rank, string Model, double? Score)> Parse(TextReader csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var header = csv.ReadLine() ?? throw new FormatException("the ranking CSV is empty");
        var columns = header.Split(',').Select(c => c.Trim().Trim('"').ToLowerInvariant()).ToList();
        var rank = columns.IndexOf("rank");
        var model = ModelColumns.Select(c => columns.IndexOf(c)).FirstOrDefault(i => i >= 0, -1);
        var score = columns.IndexOf("score");
        if (rank < 0 || model < 0)
        {
            throw new FormatException($"line 1: the header must name 'rank' and 'model' (owner/name), got '{header}'");
        }

        var rows = new List<(int, string, double?)>();
        var seen = new HashSet<int>();
        var number = 1;
        while (csv.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var cells = line.Split(',').Select(c => c.Trim().Trim('"')).ToArray();
            if (cells.Length <= Math.Max(rank, model))
            {
                throw new FormatException($"line {number}: expected at least {Math.Max(rank, model) + 1} columns");
            }

            if (!int.TryParse(cells[rank], NumberStyles.Integer, CultureInfo.InvariantCulture, out var place) || place < 1 || !seen.Add(place))
            {
                throw new FormatException($"line {number}: rank '{cells[rank]}' is not a positive whole number used once");
            }

            var id = cells[model];
            if (id.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                throw new FormatException($"line {number}: model '{id}' is not owner/name");
            }

            double? value = score >= 0 && score < cells.Length && double.TryParse(cells[score], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) ? s : null;
            rows.Add((place, id, value));
            if (rows.Count > MaxRows)
            {
                throw new FormatException($"more than {MaxRows} rows");
            }
        }

        return rows.Count == 0 ? throw new FormatException("the ranking CSV has a header but no rows") : rows;
    }
}
