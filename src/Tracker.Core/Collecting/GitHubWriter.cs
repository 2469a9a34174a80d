using Microsoft.EntityFrameworkCore;
using Tracker.Core.Data;
using Tracker.Core.Sources.GitHub;

namespace Tracker.Core.Collecting;

/// <summary>
/// Writes what the GitHub source returns: repositories (new ones appear; archived, moved and vanished ones are kept and
/// say so), one snapshot per repository per day, and releases upserted on GitHub's release id.
/// </summary>
public sealed class GitHubWriter(IDbContextFactory<TrackerDbContext> contexts, WriteGate gate)
{
    /// <summary>
    /// Records the repositories an org listing (or a single-repository rule) names: new ones appear, known ones are seen
    /// again (and are no longer gone). One upsert per repository in one write turn: an org lists hundreds, and tracked
    /// entities cost about 60 µs each.
    /// </summary>
    public async Task UpsertListedAsync(IEnumerable<(string FullName, string FamilyId, bool Archived, DateTime? CreatedAt)> repos, DateTime now, CancellationToken cancellationToken)
    {
        // The same repository twice in a listing is one row: as last listed, with the first creation date given.
        var listed = repos.GroupBy(r => r.FullName.ToLowerInvariant(), StringComparer.Ordinal)
            .Select(g => (g.Key, Last: g.Last(), CreatedAt: g.Select(r => r.CreatedAt).FirstOrDefault(c => c is not null)))
            .ToList();
        if (listed.Count == 0)
        {
            return;
        }

        await using var turn = await gate.BeginAsync(cancellationToken);
        await using (var upsert = RowsUpsert.On(turn.Db,
            """INSERT INTO "Repos" ("FullName", "RepoKey", "Owner", "FamilyId", "Archived", "CreatedAt", "FirstSeenAt", "LastSeenAt", "GoneSince")""",
            "{0}, {1}, {2}, {3}, {4}, {5}, @now, @now, NULL",
            """
            ON CONFLICT ("RepoKey") DO UPDATE SET "FamilyId" = excluded."FamilyId", "Archived" = excluded."Archived",
                "CreatedAt" = COALESCE("Repos"."CreatedAt", excluded."CreatedAt"), "LastSeenAt" = excluded."LastSeenAt", "GoneSince" = NULL
            """,
            [RowType.Text, RowType.Text, RowType.Text, RowType.Text, RowType.Boolean, RowType.Timestamp]))
        {
            upsert.With("@now", now);
            foreach (var (key, (fullName, familyId, archived, _), createdAt) in listed)
            {
                await upsert.AddAsync([fullName, key, fullName.Split('/')[0], familyId, archived, createdAt], cancellationToken);
            }

            await upsert.FlushAsync(cancellationToken);
        }

        await turn.CommitAsync(cancellationToken);
    }

    /// <summary>The tracked repositories of an owner (or one repository) still owed a snapshot today.</summary>
    public async Task<List<(long Id, string FullName)>> DueAsync(string ownerOrRepo, DateOnly day, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var key = ownerOrRepo.ToLowerInvariant();
        var single = key.Contains('/', StringComparison.Ordinal);
        var prefix = key + "/";
        var snapshotted = db.RepoSnapshots.Where(s => s.Day == day).Select(s => s.RepoId);
        var rows = await db.Repos.AsNoTracking()
            .Where(r => r.GoneSince == null && !snapshotted.Contains(r.Id)
                        && (single ? r.RepoKey == key : r.RepoKey.StartsWith(prefix)))
            .OrderBy(r => r.Id)
            .Select(r => new { r.Id, r.FullName })
            .ToListAsync(cancellationToken);
        return [.. rows.Select(r => (r.Id, r.FullName))];
    }

    /// <summary>
    /// Stores repositories' counters for the day and their releases. A move to a name tracked on another row folds into
    /// that row. Taken in batches: the snapshots and the releases of a batch each go through one prepared statement, where
    /// a repository at a time cost three statements of its own (about 150 µs a repository at 10× the benchmark's ecosystem).
    /// </summary>
    public static async Task WriteAsync(TrackerDbContext db, IReadOnlyList<RepoWrite> repos, DateOnly day, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(repos);
        var rows = new List<(long Id, RepoWrite Write)>(repos.Count);
        foreach (var write in repos)
        {
            var repoId = write.Snapshot.Moved ? await FollowMoveAsync(db, write.RepoId, write.Snapshot, write.At, cancellationToken) : write.RepoId;
            var snapshot = write.Snapshot;
            // The row's latest counters move only forward in time: a late write for an earlier day leaves them.
            await db.Database.ExecuteSqlAsync($"""
                UPDATE "Repos" SET "GitHubId" = {snapshot.Id}, "Archived" = {snapshot.Archived}, "CreatedAt" = COALESCE("CreatedAt", {snapshot.CreatedAt}),
                    "PushedAt" = {snapshot.PushedAt}, "LastSeenAt" = {write.At},
                    "Stars" = CASE WHEN "LatestDay" IS NULL OR "LatestDay" <= {day} THEN {snapshot.Stars} ELSE "Stars" END,
                    "Forks" = CASE WHEN "LatestDay" IS NULL OR "LatestDay" <= {day} THEN {snapshot.Forks} ELSE "Forks" END,
                    "Watchers" = CASE WHEN "LatestDay" IS NULL OR "LatestDay" <= {day} THEN {snapshot.Watchers} ELSE "Watchers" END,
                    "OpenIssues" = CASE WHEN "LatestDay" IS NULL OR "LatestDay" <= {day} THEN {snapshot.OpenIssues} ELSE "OpenIssues" END,
                    "LatestDay" = CASE WHEN "LatestDay" IS NULL OR "LatestDay" <= {day} THEN {day} ELSE "LatestDay" END
                WHERE "Id" = {repoId}
                """, cancellationToken);
            rows.Add((repoId, write));
        }

        await using (var snapshots = RowsUpsert.On(db,
            """INSERT INTO "RepoSnapshots" ("RepoId", "Day", "CollectedAt", "Stars", "Forks", "Watchers", "OpenIssues")""",
            "{0}, @day, {1}, {2}, {3}, {4}, {5}",
            """
            ON CONFLICT ("RepoId", "Day") DO UPDATE SET "CollectedAt" = excluded."CollectedAt", "Stars" = excluded."Stars",
                "Forks" = excluded."Forks", "Watchers" = excluded."Watchers", "OpenIssues" = excluded."OpenIssues"
            """,
            [RowType.BigInteger, RowType.Timestamp, RowType.Integer, RowType.Integer, RowType.Integer, RowType.Integer]))
        {
            snapshots.With("@day", day);
            // A batch naming one row twice (two names that moved into one) keeps the later snapshot, as writing them in turn did.
            foreach (var (repoId, write) in rows.AsEnumerable().Reverse().DistinctBy(r => r.Id).Reverse())
            {
                var s = write.Snapshot;
                await snapshots.AddAsync([repoId, write.At, s.Stars, s.Forks, s.Watchers, s.OpenIssues], cancellationToken);
            }

            await snapshots.FlushAsync(cancellationToken);
        }

        await using var releases = RowsUpsert.On(db,
            """INSERT INTO "Releases" ("RepoId", "GitHubReleaseId", "Tag", "Name", "PublishedAt", "Prerelease", "AssetDownloads", "FirstSeenAt", "LastSeenAt")""",
            "{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}, {7}",
            """
            ON CONFLICT ("RepoId", "GitHubReleaseId") DO UPDATE SET "Tag" = excluded."Tag", "Name" = excluded."Name",
                "PublishedAt" = excluded."PublishedAt", "Prerelease" = excluded."Prerelease", "AssetDownloads" = excluded."AssetDownloads",
                "LastSeenAt" = excluded."LastSeenAt"
            """,
            [RowType.BigInteger, RowType.BigInteger, RowType.Text, RowType.Text, RowType.Timestamp, RowType.Boolean, RowType.BigInteger, RowType.Timestamp]);
        foreach (var (repoId, write) in rows.AsEnumerable().Reverse().DistinctBy(r => r.Id).Reverse())
        {
            foreach (var release in write.Snapshot.Releases.Where(r => !r.Draft).DistinctBy(r => r.Id))
            {
                await releases.AddAsync([repoId, release.Id, release.Tag, release.Name, release.PublishedAt, release.Prerelease, release.AssetDownloads, write.At], cancellationToken);
            }
        }

        await releases.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// A repository answered under a new name: rename its row, or, when the new name is tracked on another row already,
    /// keep this row's history, mark it gone and carry on with the other. Returns the row to write to.
    /// </summary>
    private static async Task<long> FollowMoveAsync(TrackerDbContext db, long repoId, GitHubRepoSnapshot snapshot, DateTime now, CancellationToken cancellationToken)
    {
        var row = await db.Repos.SingleAsync(r => r.Id == repoId, cancellationToken);
        var newKey = snapshot.FullName.ToLowerInvariant();
        var other = await db.Repos.FirstOrDefaultAsync(r => r.Id != repoId && (r.RepoKey == newKey || r.GitHubId == snapshot.Id), cancellationToken);
        row.MovedTo = snapshot.FullName;
        if (other is not null)
        {
            row.GoneSince ??= now;
        }
        else
        {
            row.FullName = snapshot.FullName;
            row.RepoKey = newKey;
            row.Owner = snapshot.FullName.Split('/')[0];
        }

        await db.SaveChangesAsync(cancellationToken);
        return other?.Id ?? repoId;
    }

    /// <summary>A repository that no longer exists (404) is kept, with the time it was first missed.</summary>
    public static async Task MarkGoneAsync(TrackerDbContext db, long repoId, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await db.Repos.Where(r => r.Id == repoId && r.GoneSince == null).ExecuteUpdateAsync(s => s.SetProperty(r => r.GoneSince, now), cancellationToken);
    }

    /// <summary>After a complete org listing: its repositories no longer listed (and not moved away) are gone.</summary>
    public async Task MarkUnlistedGoneAsync(string owner, DateTime listingStarted, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var prefix = owner.ToLowerInvariant() + "/";
        await db.Repos.Where(r => r.RepoKey.StartsWith(prefix) && r.LastSeenAt < listingStarted && r.GoneSince == null && r.MovedTo == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.GoneSince, listingStarted), cancellationToken);
    }
}

/// <summary>A repository's snapshot to store on its row, fetched at <see cref="At"/>.</summary>
public sealed record RepoWrite(long RepoId, GitHubRepoSnapshot Snapshot, DateTime At);
