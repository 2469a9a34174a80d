using Tracker.Core.Catalog;
using Tracker.Core.Data;
using Tracker.Core.Sources;

namespace Tracker.Core.Collecting;

/// <summary>An org's listing on a model hub (Hugging Face, ModelScope): the catalogue's models and their snapshots for the day.</summary>
public sealed class ListingCollector(FamilyCatalog catalog, SnapshotWriter writer, TimeProvider clock)
{
    /// <summary>Stores each page of the listing as it comes, in a write turn of its own; what is gone waits for <see cref="FinishAsync"/>.</summary>
    public async Task CollectAsync(string source, string org, IAsyncEnumerable<SourcePage> pages, DateOnly day, CollectionRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pages);
        ArgumentNullException.ThrowIfNull(run);
        await foreach (var page in pages.WithCancellation(cancellationToken))
        {
            var matched = page.Models
                .Select(m => (Model: m, Family: catalog.Match(source, m.RepoId)))
                .Where(x => x.Family is not null && string.Equals(x.Model.RepoId.Split('/')[0], org, StringComparison.OrdinalIgnoreCase))
                .Select(x => (x.Model, x.Family!.Id))
                .ToList();
            run.Items += await writer.WritePageAsync(source, org, matched, day, clock.GetUtcNow().UtcDateTime, cancellationToken);
            run.Requests += page.Requests;
            run.Bytes += page.Bytes;
        }
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
