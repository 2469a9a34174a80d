using Microsoft.EntityFrameworkCore;
using Tracker.Core.Data;
using Tracker.Core.Sources.GitHub;

namespace Tracker.Core.Collecting;

/// <summary>
/// Writes what the GitHub source returns: repositories (new ones appear; archived, moved and vanished ones are kept and
/// say so), one snapshot per repository per day, and releases upserted on GitHub's release id.
/// </summary>
public sealed class GitHubWriter(IDbContextFactory<TrackerDbContext> contexts)
{
    /// <summary>Records the repositories an org listing (or a single-repository rule) names; returns their row ids.</summary>
    public async Task UpsertListedAsync(IEnumerable<(string FullName, string FamilyId, bool Archived, DateTime? CreatedAt)> repos, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        foreach (var (fullName, familyId, archived, createdAt) in repos)
        {
            var key = fullName.ToLowerInvariant();
            var row = await db.Repos.FirstOrDefaultAsync(r => r.RepoKey == key, cancellationToken);
            if (row is null)
            {
                row = new GitHubRepo { FullName = fullName, RepoKey = key, FamilyId = familyId, Owner = fullName.Split('/')[0], FirstSeenAt = now };
                db.Repos.Add(row);
            }

            row.FamilyId = familyId;
            row.Archived = archived;
            row.CreatedAt ??= createdAt;
            row.LastSeenAt = now;
            row.GoneSince = null;
        }

        await db.SaveChangesAsync(cancellationToken);
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

    /// <summary>Stores a repository's counters for the day and its releases. A move to a name tracked on another row folds into that row.</summary>
    public async Task WriteAsync(long repoId, GitHubRepoSnapshot snapshot, DateOnly day, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var row = await db.Repos.SingleAsync(r => r.Id == repoId, cancellationToken);
        if (snapshot.Moved)
        {
            var newKey = snapshot.FullName.ToLowerInvariant();
            var other = await db.Repos.FirstOrDefaultAsync(r => r.Id != repoId && (r.RepoKey == newKey || r.GitHubId == snapshot.Id), cancellationToken);
            row.MovedTo = snapshot.FullName;
            if (other is not null)
            {
                // The new name is tracked already: this row keeps its history and stops here, the other carries on.
                row.GoneSince ??= now;
                await db.SaveChangesAsync(cancellationToken);
                repoId = other.Id;
                row = other;
            }
            else
            {
                row.FullName = snapshot.FullName;
                row.RepoKey = newKey;
                row.Owner = snapshot.FullName.Split('/')[0];
            }
        }

        row.GitHubId = snapshot.Id;
        row.Archived = snapshot.Archived;
        row.CreatedAt ??= snapshot.CreatedAt;
        row.PushedAt = snapshot.PushedAt;
        row.LastSeenAt = now;
        if (row.LatestDay is null || row.LatestDay <= day)
        {
            (row.LatestDay, row.Stars, row.Forks, row.Watchers, row.OpenIssues) = (day, snapshot.Stars, snapshot.Forks, snapshot.Watchers, snapshot.OpenIssues);
        }

        var existing = await db.RepoSnapshots.FirstOrDefaultAsync(s => s.RepoId == repoId && s.Day == day, cancellationToken);
        if (existing is null)
        {
            existing = new RepoSnapshot { RepoId = repoId, Day = day };
            db.RepoSnapshots.Add(existing);
        }

        (existing.CollectedAt, existing.Stars, existing.Forks, existing.Watchers, existing.OpenIssues) =
            (now, snapshot.Stars, snapshot.Forks, snapshot.Watchers, snapshot.OpenIssues);

        var releases = await db.Releases.Where(r => r.RepoId == repoId).ToDictionaryAsync(r => r.GitHubReleaseId, cancellationToken);
        foreach (var release in snapshot.Releases.Where(r => !r.Draft))
        {
            if (!releases.TryGetValue(release.Id, out var stored))
            {
                stored = new GitHubReleaseRow { RepoId = repoId, GitHubReleaseId = release.Id, Tag = release.Tag, FirstSeenAt = now };
                db.Releases.Add(stored);
            }

            stored.Tag = release.Tag;
            stored.Name = release.Name;
            stored.PublishedAt = release.PublishedAt;
            stored.Prerelease = release.Prerelease;
            stored.AssetDownloads = release.AssetDownloads;
            stored.LastSeenAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>A repository that no longer exists (404) is kept, with the time it was first missed.</summary>
    public async Task MarkGoneAsync(long repoId, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
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
