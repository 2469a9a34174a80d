using Tracker.Core.Catalog;
using Tracker.Core.Data;
using Tracker.Core.Sources;

namespace Tracker.Core.Collecting;

/// <summary>An org's listing on a model hub (Hugging Face, ModelScope): the catalogue's models and their snapshots for the day.</summary>
public sealed class ListingCollector(FamilyCatalog catalog, WriteGate gate, TimeProvider clock)
{
    /// <summary>
    /// Listing pages queued for writing at most: a page is up to a thousand models, and the next page (or the next org's
    /// first) is fetched while one is written.
    /// </summary>
    private const int QueuedPages = 2;

    /// <summary>
    /// Stores each page of the listing behind the fetching, in order, each in the write turn it is given; says when the
    /// last page has been fetched (<paramref name="fetched"/>), then waits for the writes. What is gone waits for
    /// <see cref="FinishAsync"/>.
    /// </summary>
    public async Task CollectAsync(
        string source, string org, IAsyncEnumerable<SourcePage> pages, DateOnly day, CollectionRun run, Action fetched, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(fetched);
        // A page is one write and large: written as it comes rather than gathered with the next.
        await using var writes = WriteBehind.Start(gate, cancellationToken, QueuedPages, gather: 1);
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            List<(HubModel Model, string FamilyId)> matched = [.. page.Models
                .Select(m => (Model: m, Family: catalog.Match(source, m.RepoId)))
                .Where(x => x.Family is not null && string.Equals(x.Model.RepoId.Split('/')[0], org, StringComparison.OrdinalIgnoreCase))
                .Select(x => (x.Model, x.Family!.Id))];
            var at = clock.GetUtcNow().UtcDateTime;
            await writes.EnqueueAsync((db, ct) => SnapshotWriter.WritePageAsync(db, source, org, matched, day, at, ct), cancellationToken);
            run.Items += matched.Count;
            run.Requests += page.Requests;
            run.Bytes += page.Bytes;
        }

        fetched();
        await writes.CompleteAsync();
    }

    /// <summary>
    /// Completes an org's listing run, in the write transaction that records its end: when the listing reached its last
    /// page (only then can it say what is gone), the org's models not seen since the run started are marked gone; then the
    /// day's totals of the families listed in the org are rebuilt — after a failed listing too, from the pages it stored.
    /// </summary>
    public async Task FinishAsync(TrackerDbContext db, string source, string org, DateOnly day, CollectionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Status == RunStatus.Succeeded)
        {
            await SnapshotWriter.MarkGoneAsync(db, source, org, run.StartedAt, cancellationToken);
        }

        await SnapshotWriter.RecomputeDailyTotalsAsync(db, source, day, catalog.FamiliesListedIn(source, org), cancellationToken);
    }
}
