using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Core.Data;
using Tracker.Core.Sources;
using Tracker.Core.Sources.GitHub;

namespace Tracker.Core.Collecting;

/// <summary>
/// GitHub: one run per catalogue org (its listing, then each family repository's counters and releases) or single
/// repository. A spent rate limit defers the rest of the run until GitHub's reset; a later run completes it, since
/// each repository is snapshotted once a day and what is done is not fetched again.
/// </summary>
public sealed class GitHubPipeline(
    FamilyCatalog catalog, GitHubSource github, IOptions<GitHubOptions> options, GitHubWriter writer,
    WriteGate gate, IHttpCacheStore cache, TimeProvider clock) : ISourcePipeline
{
    /// <summary>
    /// Repositories written together: their snapshots and releases through one statement each, and the batches' writes
    /// gathered into transactions as the derivative pages' are (a commit rewrites the releases' index pages it touched).
    /// </summary>
    private const int WriteBatch = 16;

    public string Source => Platform.GitHub;

    public IReadOnlyList<PlannedRun> Plan(DateOnly day)
    {
        if (!options.Value.Enabled)
        {
            return [];
        }

        var targets = catalog.Families.SelectMany(f => f.Rules[Platform.GitHub])
            .Select(r => r.Repo ?? r.Org!)
            .Distinct(StringComparer.OrdinalIgnoreCase);
        return [.. targets.Select(target => new PlannedRun(Platform.GitHub, RunKinds.Repos, target, (run, _, ct) => CollectAsync(target, day, run, ct)))];
    }

    private async Task CollectAsync(string target, DateOnly day, CollectionRun run, CancellationToken cancellationToken)
    {
        using var meter = GitHubRequestMeter.Start();
        try
        {
            var now = clock.GetUtcNow().UtcDateTime;
            if (target.Contains('/', StringComparison.Ordinal))
            {
                if (catalog.Match(Platform.GitHub, target) is { } family)
                {
                    await writer.UpsertListedAsync([(target, family.Id, false, null)], now, cancellationToken);
                }
            }
            else
            {
                // https://docs.github.com/rest/repos/repos#list-organization-repositories
                var listed = await github.ListOrgReposAsync(target, cancellationToken);
                var matched = listed
                    .Select(r => (Repo: r, Family: catalog.Match(Platform.GitHub, r.FullName)))
                    .Where(x => x.Family is not null)
                    .Select(x => (x.Repo.FullName, x.Family!.Id, x.Repo.Archived, x.Repo.CreatedAt));
                await writer.UpsertListedAsync(matched, now, cancellationToken);
            }

            // Writes overlap the next repositories' fetches, a batch of repositories at a time; they are all done before the
            // run ends, and a batch fetched before a rate limit stopped the run is written before the run defers.
            await using var writes = WriteBehind.Start(gate, cancellationToken);
            var batch = new List<RepoWrite>(WriteBatch);
            try
            {
                foreach (var (id, fullName) in await writer.DueAsync(target, day, cancellationToken))
                {
                    var parts = fullName.Split('/');
                    // https://docs.github.com/rest/repos/repos#get-a-repository and …/releases#list-releases
                    var snapshot = await github.GetRepoAsync(parts[0], parts[1], cancellationToken);
                    var at = clock.GetUtcNow().UtcDateTime;
                    if (snapshot is null)
                    {
                        await writes.EnqueueAsync((db, ct) => GitHubWriter.MarkGoneAsync(db, id, at, ct), cancellationToken);
                        continue;
                    }

                    batch.Add(new RepoWrite(id, snapshot, at));
                    run.Items++;
                    if (batch.Count == WriteBatch)
                    {
                        await WriteBatchAsync();
                    }
                }
            }
            catch (SourceException) when (batch.Count > 0)
            {
                await WriteBatchAsync();
                await writes.CompleteAsync();
                throw;
            }

            await WriteBatchAsync();
            await writes.CompleteAsync();

            // The run's ETags are stored before it ends, so the next run revalidates instead of refetching.
            await cache.FlushAsync(cancellationToken);

            // Last, so that a repository that moved away was first followed through its 301 (and renamed), not declared gone.
            if (!target.Contains('/', StringComparison.Ordinal))
            {
                await writer.MarkUnlistedGoneAsync(target, run.StartedAt, cancellationToken);
            }

            run.Requests += meter.Requests;

            async Task WriteBatchAsync()
            {
                if (batch.Count > 0)
                {
                    RepoWrite[] repos = [.. batch];
                    batch.Clear();
                    await writes.EnqueueAsync((db, ct) => GitHubWriter.WriteAsync(db, repos, day, ct), cancellationToken);
                }
            }
        }
        catch (GitHubRateLimitedException e)
        {
            throw new SourceDeferredException($"GitHub '{target}': rate limit reached; the rest waits until {e.ResetAt:O}", e) { Until = e.ResetAt.UtcDateTime, Requests = meter.Requests };
        }
        catch (SourceDeferredException e)
        {
            throw new SourceDeferredException(e.Message, e) { Until = e.Until, Requests = meter.Requests };
        }
        catch (SourceException e)
        {
            throw new SourceException(e.Message, e) { Requests = meter.Requests };
        }
    }
}
