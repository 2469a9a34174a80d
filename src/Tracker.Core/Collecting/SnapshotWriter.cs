using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Tracker.Core.Data;
using Tracker.Core.Sources;

namespace Tracker.Core.Collecting;

/// <summary>
/// Writes what the sources return. Every write is an upsert on a natural key — models on (source, repo),
/// snapshots on (model, day), daily totals on (family, source, day) — so a collection run twice, retried, or killed
/// and re-run never duplicates a row. One SQL dialect serves both providers: SQLite and PostgreSQL share
/// <c>INSERT … ON CONFLICT … DO UPDATE</c> and <c>RETURNING</c>.
/// </summary>
public static class SnapshotWriter
{
    /// <summary>Upserts a page of models and their snapshots for <paramref name="day"/>, in <paramref name="db"/>'s transaction.</summary>
    public static async Task WritePageAsync(
        TrackerDbContext db, string source, string org, IReadOnlyList<(HubModel Model, string FamilyId)> page, DateOnly day, DateTime collectedAt,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Count == 0)
        {
            return;
        }

        // The same repository twice in one page (hubs compare ids case-insensitively) is one model and one snapshot.
        // Keyed once here; the models' upsert stores the key and the snapshots find their model's id by it.
        var unique = page.Select(p => (p.Model, p.FamilyId, Key: p.Model.RepoId.ToLowerInvariant())).DistinctBy(p => p.Key).ToList();
        var ids = await UpsertModelsAsync(db, source, org, unique, collectedAt, day, cancellationToken);
        var previous = await PreviousAllTimeAsync(db, ids.Values, day, cancellationToken);
        await UpsertSnapshotsAsync(db, unique, ids, previous, day, collectedAt, cancellationToken);
    }

    /// <summary>
    /// After a complete listing of an org: its models not seen since <paramref name="listingStarted"/> are gone
    /// upstream. They are kept, with the time they were first missed. In <paramref name="db"/>'s transaction.
    /// </summary>
    public static Task<int> MarkGoneAsync(TrackerDbContext db, string source, string org, DateTime listingStarted, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Models
            .Where(m => m.Source == source && m.Author == org && m.LastSeenAt < listingStarted && m.GoneSince == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.GoneSince, listingStarted), cancellationToken);
    }

    /// <summary>
    /// Rebuilds the totals of <paramref name="families"/> (those an org's listing just wrote to) on one source and day from
    /// that day's snapshots. Each org's listing recomputes only its families: the Hugging Face listing, which the
    /// derivative pass waits for, recomputed every family after each of its orgs (0.18 s of it at 10× the benchmark's
    /// ecosystem). In <paramref name="db"/>'s transaction.
    /// </summary>
    public static async Task RecomputeDailyTotalsAsync(TrackerDbContext db, string source, DateOnly day, IReadOnlyList<string> families, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(families);
        if (families.Count == 0)
        {
            return;
        }

        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var dayStart = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        if (db.Database.IsNpgsql())
        {
            // Two orgs' listings of one family may end at once on PostgreSQL (SQLite takes one write turn at a time). Each
            // end's totals read the snapshots committed when its statement began; one that began before the other org's
            // pages were in, but wrote after the other end had committed, left totals without that org's models (seen as a
            // rare failure of a test under load). Held to its transaction's end, this lock makes the later end read after
            // the earlier one committed. Families in order, so two ends never wait on each other.
            command.CommandText = """SELECT pg_advisory_xact_lock(hashtextextended('DailyTotals/' || @source || '/' || f, 0)) FROM unnest(@families) AS f""";
            Add(command, "@source", source);
            Add(command, "@families", families.Order(StringComparer.Ordinal).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
            command.Parameters.Clear();
        }

        // A model is expected to report on a day when it had been seen by the day's end and no listing that day missed it.
        var names = families.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"@f{i}")).ToList();
        command.CommandText = string.Format(CultureInfo.InvariantCulture, """
            INSERT INTO "DailyTotals" ("FamilyId", "Source", "Day", "Downloads30d", "DownloadsAllTime", "Likes", "Reported", "Expected", "Decreases", "LastCollectedAt")
            SELECT m."FamilyId", m."Source", @day, SUM(s."Downloads30d"), SUM(s."DownloadsAllTime"), SUM(s."Likes"),
                   COUNT(s."ModelId"), COUNT(*), SUM(CASE WHEN s."AllTimeDecreased" THEN 1 ELSE 0 END), MAX(s."CollectedAt")
            FROM "Models" m
            LEFT JOIN "Snapshots" s ON s."ModelId" = m."Id" AND s."Day" = @day
            WHERE m."Source" = @source AND m."FamilyId" IN ({0}) AND m."FirstSeenAt" < @dayEnd AND (m."GoneSince" IS NULL OR m."GoneSince" >= @dayEnd)
            GROUP BY m."FamilyId", m."Source"
            ON CONFLICT ("FamilyId", "Source", "Day") DO UPDATE SET
                "Downloads30d" = excluded."Downloads30d", "DownloadsAllTime" = excluded."DownloadsAllTime", "Likes" = excluded."Likes",
                "Reported" = excluded."Reported", "Expected" = excluded."Expected", "Decreases" = excluded."Decreases",
                "LastCollectedAt" = excluded."LastCollectedAt"
            """, string.Join(", ", names));
        for (var i = 0; i < names.Count; i++)
        {
            Add(command, names[i], families[i]);
        }

        Add(command, "@day", day);
        Add(command, "@source", source);
        Add(command, "@dayEnd", dayStart.AddDays(1));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Upserts base models' derivative counts for the day, in <paramref name="db"/>'s transaction.</summary>
    public static async Task WriteDerivativeCountsAsync(
        TrackerDbContext db, IReadOnlyList<(long ModelId, ChildrenCount Count)> counts, DateOnly day, DateTime collectedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            return;
        }

        await using var upsert = RowsUpsert.On(db,
            """INSERT INTO "DerivativeCounts" ("ModelId", "Day", "CollectedAt", "Finetune", "Quantized", "Adapter", "Merge", "Total")""",
            "{0}, @day, @at, {1}, {2}, {3}, {4}, {5}",
            """
            ON CONFLICT ("ModelId", "Day") DO UPDATE SET "CollectedAt" = excluded."CollectedAt", "Finetune" = excluded."Finetune",
                "Quantized" = excluded."Quantized", "Adapter" = excluded."Adapter", "Merge" = excluded."Merge", "Total" = excluded."Total"
            """,
            [RowType.BigInteger, RowType.BigInteger, RowType.BigInteger, RowType.BigInteger, RowType.BigInteger, RowType.BigInteger]);
        upsert.With("@day", day).With("@at", collectedAt);
        foreach (var (modelId, c) in counts.DistinctBy(c => c.ModelId))
        {
            await upsert.AddAsync([modelId, c.Finetune, c.Quantized, c.Adapter, c.Merge, c.Total], cancellationToken);
        }

        await upsert.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Records that these base models' children were listed completely up to <paramref name="at"/>, with the newest creation
    /// date listed and how many distinct children are now stored. A base listed again after an earlier pass has its blocks
    /// merged into one, so that the pages re-listed each day (mostly children already known) do not pile up.
    /// </summary>
    public static async Task MarkLineageSyncedAsync(
        TrackerDbContext db, IReadOnlyCollection<LineagePass> passes, DateTime at, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(passes);
        if (passes.Count == 0)
        {
            return;
        }

        // One command prepared for the batch, its values changed per model: each base has its own newest date, and
        // EF Core's ExecuteUpdate would build and run a query per model.
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = """
            UPDATE "Models" SET "LineageSyncedAt" = @at, "LineageNewestAt" = @newest, "LineageKnown" = @known WHERE "Id" = @id
            """;
        var id = Add(command, "@id", 0L);
        var newest = Add(command, "@newest", null);
        var known = Add(command, "@known", 0);
        Add(command, "@at", UtcTime.Of(at));
        var ids = passes.Select(p => p.ModelId).ToList();
        // One array-like parameter, as for the models' ids (UpsertModelsAsync).
        var stored = await db.DerivativeBlocks.Where(b => EF.Parameter(ids).Contains(b.BaseModelId)).GroupBy(b => b.BaseModelId)
            .Select(g => new { Base = g.Key, Blocks = g.Count(), Oldest = g.Min(b => b.SeenAt), Children = g.Sum(b => b.Count) })
            .ToDictionaryAsync(g => g.Base, cancellationToken);
        foreach (var pass in passes)
        {
            // Blocks only from this pass: its pages, whose distinct children the listing counted. With blocks from an
            // earlier pass: merged into one, whose children are distinct (as are a single block's).
            var blocks = stored.GetValueOrDefault(pass.ModelId);
            known.Value = blocks is null || blocks.Oldest >= pass.ListedFrom ? pass.Listing.Keys.Count
                : blocks.Blocks > 1 ? await MergeBlocksAsync(db, pass.ModelId, cancellationToken)
                : blocks.Children;
            id.Value = pass.ModelId;
            newest.Value = pass.Newest is { } t ? UtcTime.Of(t) : DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>
    /// What is stored of a page of a base model's children, with each one's relation read from its tags. Taken before the
    /// page is queued for writing, so the queue holds these small rows rather than whole parsed models with their tags.
    /// </summary>
    public static DerivativeRow[] DerivativeRows(IReadOnlyList<HubModel> children, string baseRepoId)
    {
        ArgumentNullException.ThrowIfNull(children);
        var rows = new DerivativeRow[children.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            var c = children[i];
            rows[i] = new DerivativeRow(c.RepoId, RelationTo(c.Tags, baseRepoId), c.CreatedAt, c.Downloads30d, c.DownloadsAllTime, c.Likes);
        }

        return rows;
    }

    /// <summary>
    /// Stores a page of a base model's children (the model tree) as one block, in <paramref name="db"/>'s transaction.
    /// A child the page lists twice is stored once, as first listed (hubs compare ids case-insensitively). Each child's key
    /// hash (<see cref="DerivativeBlocks.KeyHash(string)"/>) and creation are noted in <paramref name="listing"/> when given.
    /// </summary>
    public static async Task<int> WriteDerivativesAsync(
        TrackerDbContext db, long baseModelId, IReadOnlyList<DerivativeRow> children, DateTime now, LineageListing? listing,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        using var block = DerivativeBlockOf(children, listing);
        if (block is null)
        {
            return 0;
        }

        await InsertBlockAsync(db, baseModelId, now, block, cancellationToken);
        return children.Count;
    }

    /// <summary>
    /// The block <see cref="WriteDerivativesAsync"/> stores for a page's rows (null for an empty page), each child noted in
    /// <paramref name="listing"/> when given. The caller disposes it.
    /// </summary>
    public static DerivativeBlockWriter? DerivativeBlockOf(IReadOnlyList<DerivativeRow> children, LineageListing? listing)
    {
        ArgumentNullException.ThrowIfNull(children);
        if (children.Count == 0)
        {
            return null;
        }

        var block = new DerivativeBlockWriter(children.Count);
        var seen = PageKeys.Start(listing);
        if (t_keys is null || t_keys.Length < children.Count)
        {
            t_keys = new ulong[Math.Max(children.Count, 1024)];
        }

        var keys = t_keys;
        for (var i = 0; i < children.Count; i++)
        {
            var c = children[i];
            keys[i] = DerivativeBlocks.KeyHash(c.RepoId);
            listing?.Saw(c.CreatedAt);

            // Repeats found by the keys' hashes; two ids sharing a hash (all but impossible) are told apart by comparing them
            // with the rows before.
            if (seen.Add(keys[i]) || !RepeatsEarlier(children, keys, i))
            {
                block.Add(c.RepoId, c.Relation, c.CreatedAt, c.Downloads30d, c.DownloadsAllTime, c.Likes);
            }
        }

        return block;
    }

    /// <summary>The writer thread's buffer for a page's key hashes by row (see <see cref="PageKeys"/> for why per thread).</summary>
    [ThreadStatic]
    private static ulong[]? t_keys;

    private static bool RepeatsEarlier(IReadOnlyList<DerivativeRow> rows, ulong[] keys, int index)
    {
        for (var i = 0; i < index; i++)
        {
            if (keys[i] == keys[index] && DerivativeBlocks.KeyComparer.Equals(rows[i].RepoId, rows[index].RepoId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The relation a child declares to its base: the <c>base_model:{relation}:{base}</c> tag the Hub computes.</summary>
    public static string? RelationTo(IReadOnlyList<string>? tags, string baseRepoId)
    {
        if (tags is null)
        {
            return null;
        }

        // Spans, not Split, and no enumerator: this runs for each of millions of children and their tags.
        for (var t = 0; t < tags.Count; t++)
        {
            var rest = tags[t].AsSpan();
            if (!rest.StartsWith("base_model:", StringComparison.Ordinal))
            {
                continue;
            }

            rest = rest["base_model:".Length..];
            var colon = rest.IndexOf(':');
            if (colon < 0 || !rest[(colon + 1)..].Equals(baseRepoId, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var relation = rest[..colon];
            for (var i = 0; i < Relations.All.Count; i++)
            {
                if (relation.SequenceEqual(Relations.All[i]))
                {
                    return Relations.All[i];
                }
            }
        }

        return null;
    }

    private static async Task<Dictionary<string, long>> UpsertModelsAsync(
        TrackerDbContext db, string source, string org, List<(HubModel Model, string FamilyId, string Key)> models, DateTime now, DateOnly day,
        CancellationToken cancellationToken)
    {
        // Metadata is taken as received, except a creation date once known: a later answer without it does not erase it.
        // The latest counters are copied only when this day is the model's newest, so re-running an old day cannot regress them.
        await using var upsert = RowsUpsert.On(db,
            """
            INSERT INTO "Models" ("Source", "RepoId", "RepoKey", "Author", "FamilyId", "CreatedAt", "LastModified", "PipelineTag", "LibraryName",
                "License", "ParameterCount", "Gated", "Tags", "ParameterDtypes", "FirstSeenAt", "LastSeenAt", "GoneSince",
                "LatestDay", "Downloads30d", "DownloadsAllTime", "Likes")
            """,
            "@source, {0}, {1}, @author, {2}, {3}, {4}, {5}, {6}, {7}, {8}, {9}, {10}, {11}, @now, @now, NULL, @day, {12}, {13}, {14}",
            """
            ON CONFLICT ("Source", "RepoKey") DO UPDATE SET
                "RepoId" = excluded."RepoId", "Author" = excluded."Author", "FamilyId" = excluded."FamilyId",
                "CreatedAt" = COALESCE(excluded."CreatedAt", "Models"."CreatedAt"), "LastModified" = excluded."LastModified",
                "PipelineTag" = excluded."PipelineTag", "LibraryName" = excluded."LibraryName", "License" = excluded."License",
                "ParameterCount" = excluded."ParameterCount", "Gated" = excluded."Gated", "Tags" = excluded."Tags",
                "ParameterDtypes" = excluded."ParameterDtypes", "LastSeenAt" = excluded."LastSeenAt", "GoneSince" = NULL,
                "LatestDay" = CASE WHEN "Models"."LatestDay" IS NULL OR "Models"."LatestDay" <= excluded."LatestDay" THEN excluded."LatestDay" ELSE "Models"."LatestDay" END,
                "Downloads30d" = CASE WHEN "Models"."LatestDay" IS NULL OR "Models"."LatestDay" <= excluded."LatestDay" THEN excluded."Downloads30d" ELSE "Models"."Downloads30d" END,
                "DownloadsAllTime" = CASE WHEN "Models"."LatestDay" IS NULL OR "Models"."LatestDay" <= excluded."LatestDay" THEN excluded."DownloadsAllTime" ELSE "Models"."DownloadsAllTime" END,
                "Likes" = CASE WHEN "Models"."LatestDay" IS NULL OR "Models"."LatestDay" <= excluded."LatestDay" THEN excluded."Likes" ELSE "Models"."Likes" END
            """,
            [RowType.Text, RowType.Text, RowType.Text, RowType.Timestamp, RowType.Timestamp, RowType.Text, RowType.Text, RowType.Text,
             RowType.BigInteger, RowType.Text, RowType.Text, RowType.Text, RowType.BigInteger, RowType.BigInteger, RowType.BigInteger]);
        upsert.With("@source", source).With("@author", org).With("@now", now).With("@day", day);
        foreach (var (m, family, key) in models)
        {
            await upsert.AddAsync(
                [m.RepoId, key, family, m.CreatedAt, m.LastModified, m.PipelineTag, m.LibraryName, m.License, m.ParameterCount, m.Gated,
                 m.Tags is null ? null : JsonSerializer.Serialize(m.Tags, CollectionJsonContext.Default.IReadOnlyListString),
                 m.ParameterDtypes is null ? null : JsonSerializer.Serialize(m.ParameterDtypes, CollectionJsonContext.Default.IReadOnlyDictionaryStringInt64),
                 m.Downloads30d, m.DownloadsAllTime, m.Likes],
                cancellationToken);
        }

        await upsert.FlushAsync(cancellationToken);

        // The rows' ids read back by key in one query, rather than with RETURNING, for which SQLite builds a temporary table
        // per statement: a standalone test of 29,000 upserts measured twice the cost with it (in the benchmark's collection
        // the difference was within its noise; tests/Tracker.Benchmarks/README.md). The keys go as one array-like parameter
        // (json_each on SQLite, ANY on PostgreSQL): EF Core 10's default, a parameter per key, had SQLite look up each of
        // a 1,000-model page's parameters by name in a linear list, half a million string comparisons a page.
        var keys = models.Select(m => m.Key).ToList();
        return await db.Models.Where(m => m.Source == source && EF.Parameter(keys).Contains(m.RepoKey)).Select(m => new { m.RepoKey, m.Id })
            .ToDictionaryAsync(m => m.RepoKey, m => m.Id, StringComparer.Ordinal, cancellationToken);
    }

    private static async Task<Dictionary<long, long>> PreviousAllTimeAsync(
        TrackerDbContext db, IEnumerable<long> modelIds, DateOnly day, CancellationToken cancellationToken)
    {
        var previous = new Dictionary<long, long>();
        var connection = db.Database.GetDbConnection();
        foreach (var chunk in modelIds.Chunk(500))
        {
            await using var command = connection.CreateCommand();
            command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            // Ids are numbers from the database, inlined; the one parameter is the day.
            var ids = string.Join(", ", chunk.Select(id => id.ToString(CultureInfo.InvariantCulture)));
            command.CommandText = $"""
                SELECT s."ModelId", s."DownloadsAllTime" FROM "Snapshots" s
                WHERE s."ModelId" IN ({ids}) AND s."DownloadsAllTime" IS NOT NULL
                  AND s."Day" = (SELECT MAX(p."Day") FROM "Snapshots" p WHERE p."ModelId" = s."ModelId" AND p."Day" < @day AND p."DownloadsAllTime" IS NOT NULL)
                """;
            Add(command, "@day", day);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                previous[reader.GetInt64(0)] = reader.GetInt64(1);
            }
        }

        return previous;
    }

    private static async Task UpsertSnapshotsAsync(
        TrackerDbContext db, List<(HubModel Model, string FamilyId, string Key)> models, Dictionary<string, long> ids,
        Dictionary<long, long> previous, DateOnly day, DateTime collectedAt, CancellationToken cancellationToken)
    {
        await using var upsert = RowsUpsert.On(db,
            """INSERT INTO "Snapshots" ("ModelId", "Day", "CollectedAt", "Downloads30d", "DownloadsAllTime", "Likes", "AllTimeDecreased")""",
            "{0}, @day, @at, {1}, {2}, {3}, {4}",
            """
            ON CONFLICT ("ModelId", "Day") DO UPDATE SET
                "CollectedAt" = excluded."CollectedAt", "Downloads30d" = excluded."Downloads30d",
                "DownloadsAllTime" = excluded."DownloadsAllTime", "Likes" = excluded."Likes", "AllTimeDecreased" = excluded."AllTimeDecreased"
            """,
            [RowType.BigInteger, RowType.BigInteger, RowType.BigInteger, RowType.BigInteger, RowType.Boolean]);
        upsert.With("@day", day).With("@at", collectedAt);
        foreach (var (m, _, key) in models)
        {
            if (ids.TryGetValue(key, out var id))
            {
                var decreased = m.DownloadsAllTime is { } now && previous.TryGetValue(id, out var before) && now < before;
                await upsert.AddAsync([id, m.Downloads30d, m.DownloadsAllTime, m.Likes, decreased], cancellationToken);
            }
        }

        await upsert.FlushAsync(cancellationToken);
    }

    /// <summary>Replaces a base's blocks by one holding each child as the blocks say it is now, with its own listing times.</summary>
    private static async Task<int> MergeBlocksAsync(TrackerDbContext db, long baseModelId, CancellationToken cancellationToken)
    {
        var children = new Dictionary<string, Derivative>(StringComparer.Ordinal);
        long lastId = 0;
        var seenAt = DateTime.MinValue;
        await foreach (var block in db.DerivativeBlocks.AsNoTracking().Where(b => b.BaseModelId == baseModelId).OrderBy(b => b.Id)
            .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            DerivativeBlocks.Fold(children, baseModelId, block.SeenAt, block.Children);
            (lastId, seenAt) = (block.Id, block.SeenAt > seenAt ? block.SeenAt : seenAt);
        }

        using var merged = new DerivativeBlockWriter(children.Count);
        foreach (var c in children.Values)
        {
            merged.Add(c.RepoId, c.Relation, c.CreatedAt, c.Downloads30d, c.DownloadsAllTime, c.Likes, c.FirstSeenAt, c.LastSeenAt);
        }

        await db.DerivativeBlocks.Where(b => b.BaseModelId == baseModelId && b.Id <= lastId).ExecuteDeleteAsync(cancellationToken);
        await InsertBlockAsync(db, baseModelId, seenAt, merged, cancellationToken);
        return merged.Count;
    }

    internal static async Task InsertBlockAsync(TrackerDbContext db, long baseModelId, DateTime seenAt, DerivativeBlockWriter block, CancellationToken cancellationToken)
    {
        await using var insert = RowsUpsert.On(db, """INSERT INTO "DerivativeBlocks" ("BaseModelId", "SeenAt", "Count", "Children")""", "{0}, {1}, {2}, {3}", "",
            [RowType.BigInteger, RowType.Timestamp, RowType.Integer, RowType.Bytes]);
        await insert.AddAsync([baseModelId, seenAt, block.Count, block.Finish()], cancellationToken);
        await insert.FlushAsync(cancellationToken);
    }

    private static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}

/// <summary>
/// One base model's lineage listed completely: the newest creation date known before, when this listing began, and what
/// the writer learned of the listing's pages as it stored them (queued before this pass is marked).
/// </summary>
public sealed record LineagePass(long ModelId, DateTime? KnownNewest, DateTime ListedFrom, LineageListing Listing)
{
    /// <summary>The newest child's creation, listed now or known before.</summary>
    public DateTime? Newest => LineageListing.Later(KnownNewest, Listing.Newest);
}

/// <summary>
/// What the writer learns of a base's listing as it stores the pages: the key hashes of the distinct children
/// (<see cref="DerivativeBlocks.KeyHash(string)"/>) and the newest child's creation. Taken on the writer, so that neither hashing
/// nor (on a first pass) parsing sits between one request and the next.
/// </summary>
public sealed class LineageListing(int expectedChildren)
{
    public HashSet<ulong> Keys { get; } = new(expectedChildren);

    public DateTime? Newest { get; private set; }

    internal void Saw(DateTime? created) => Newest = Later(Newest, created);

    /// <summary>The later of two times, either of which may be unknown.</summary>
    internal static DateTime? Later(DateTime? a, DateTime? b) => a is null || b > a ? b : a;
}

/// <summary>
/// The key hashes of the page being stored (transcoded, or read into rows), each noted in the listing's set when there is
/// one. That set then says whether a key is new to the page too: a key new to the listing is new to the page, and only one
/// the listing already holds — a child listed again on a later page, or twice on this one — is looked for among the page's
/// own. One set's insert a child instead of two (at 1× the benchmark's ecosystem, about 3 of the derivative writer's
/// milliseconds a collection). One per writer thread, reused page after page: a new set per page was 22 KB of garbage a
/// page (280 MB for two million children).
/// </summary>
internal sealed class PageKeys
{
    [ThreadStatic]
    private static PageKeys? t_current;

    private readonly HashSet<ulong> _set = [];
    private ulong[] _keys = new ulong[1024];
    private int _count;
    private LineageListing? _listing;

    public static PageKeys Start(LineageListing? listing)
    {
        var keys = t_current ??= new PageKeys();
        keys._set.Clear();
        keys._count = 0;
        keys._listing = listing;
        return keys;
    }

    /// <summary>False when the page has had the key already.</summary>
    public bool Add(ulong key)
    {
        if (_listing is null)
        {
            return _set.Add(key);
        }

        if (!_listing.Keys.Add(key) && _keys.AsSpan(0, _count).Contains(key))
        {
            return false;
        }

        if (_count == _keys.Length)
        {
            Array.Resize(ref _keys, _count * 2);
        }

        _keys[_count++] = key;
        return true;
    }
}

/// <summary>A child of a base model as listed: its id, relation, creation and counters (a value: a page is one array).</summary>
public readonly record struct DerivativeRow(string RepoId, string? Relation, DateTime? CreatedAt, long? Downloads30d, long? DownloadsAllTime, long? Likes);
