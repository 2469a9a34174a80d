using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Core.Data;
using Tracker.Core.Sources;
using Tracker.Core.Sources.HuggingFace;

namespace Tracker.Core.Collecting;

public sealed record CollectionResult(long CollectionId, string Status, IReadOnlyList<CollectionRun> Runs)
{
    public bool Succeeded => Status == RunStatus.Succeeded;
}

/// <summary>
/// One full collection: every org of every source in the catalogue, each org in its own run so that one failing
/// does not stop the others. Pages are committed as they arrive; a killed collection keeps what it committed and
/// the next one completes the day. Safe to run twice: every write is an upsert.
/// </summary>
public sealed partial class Collector(
    FamilyCatalog catalog,
    HuggingFaceSource huggingFace,
    IOptions<HuggingFaceOptions> huggingFaceOptions,
    SnapshotWriter writer,
    IDbContextFactory<TrackerDbContext> contexts,
    TimeProvider clock,
    ILogger<Collector> logger)
{
    /// <summary>A running collection whose heartbeat is older than this was killed.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    public async Task<CollectionResult> RunAsync(string trigger, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var day = DateOnly.FromDateTime(started);
        var orgs = catalog.OrgsFor(Platform.HuggingFace);

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await MarkAbandonedAsync(db, started, cancellationToken);
        var collection = new CollectionRecord
        {
            StartedAt = started,
            HeartbeatAt = started,
            Day = day,
            Trigger = trigger,
            Status = RunStatus.Running,
            OrgsTotal = orgs.Count,
        };
        db.Collections.Add(collection);
        await db.SaveChangesAsync(cancellationToken);
        Log.Started(logger, collection.Id, trigger, orgs.Count);

        var runs = new List<CollectionRun>();
        foreach (var org in orgs)
        {
            var run = await CollectOrgAsync(db, collection, org, day, cancellationToken);
            runs.Add(run);
            collection.OrgsDone++;
            collection.HeartbeatAt = clock.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(cancellationToken);
        }

        var failed = runs.Where(r => r.Status != RunStatus.Succeeded).ToList();
        collection.Status = failed.Count == 0 ? RunStatus.Succeeded : failed.Count == runs.Count ? RunStatus.Failed : RunStatus.Partial;
        collection.Error = failed.Count == 0 ? null : string.Join("; ", failed.Select(r => r.Error));
        collection.FinishedAt = clock.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
        Log.Finished(logger, collection.Id, collection.Status, runs.Sum(r => r.Requests), runs.Sum(r => r.Items));
        return new CollectionResult(collection.Id, collection.Status, runs);
    }

    private async Task<CollectionRun> CollectOrgAsync(TrackerDbContext db, CollectionRecord collection, string org, DateOnly day, CancellationToken cancellationToken)
    {
        var run = new CollectionRun
        {
            CollectionId = collection.Id,
            Source = Platform.HuggingFace,
            Org = org,
            StartedAt = clock.GetUtcNow().UtcDateTime,
            Status = RunStatus.Running,
        };
        db.CollectionRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);

        try
        {
            await foreach (var page in huggingFace.ListModelsAsync(org, huggingFaceOptions.Value.PageSize, cancellationToken))
            {
                var matched = page.Models
                    .Select(m => (Model: m, Family: catalog.Match(Platform.HuggingFace, m.RepoId)))
                    .Where(x => x.Family is not null && string.Equals(x.Model.RepoId.Split('/')[0], org, StringComparison.OrdinalIgnoreCase))
                    .Select(x => (x.Model, x.Family!.Id))
                    .ToList();
                run.Items += await writer.WritePageAsync(Platform.HuggingFace, org, matched, day, clock.GetUtcNow().UtcDateTime, cancellationToken);
                run.Requests += page.Requests;
                run.Bytes += page.Bytes;
                collection.HeartbeatAt = clock.GetUtcNow().UtcDateTime;
                await db.SaveChangesAsync(cancellationToken);
            }

            // Only a listing that reached its last page can say what is gone.
            await writer.MarkGoneAsync(Platform.HuggingFace, org, run.StartedAt, cancellationToken);
            run.Status = RunStatus.Succeeded;
        }
        catch (SourceException e)
        {
            run.Requests += e.Requests;
            run.Status = RunStatus.Failed;
            run.Error = e.Message;
            Log.OrgFailed(logger, e, org, e.Message);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            run.Status = RunStatus.Failed;
            run.Error = $"Hugging Face org '{org}': storing failed: {e.Message}";
            Log.OrgFailed(logger, e, org, run.Error);
        }
        finally
        {
            run.FinishedAt = clock.GetUtcNow().UtcDateTime;
            if (run.Status == RunStatus.Running)
            {
                run.Status = RunStatus.Failed;
                run.Error = $"Hugging Face org '{org}': cancelled";
            }

            await db.SaveChangesAsync(CancellationToken.None);
            await writer.RecomputeDailyTotalsAsync(Platform.HuggingFace, day, CancellationToken.None);
        }

        return run;
    }

    private static async Task MarkAbandonedAsync(TrackerDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var staleBefore = now - StaleAfter;
        await db.Collections
            .Where(c => c.Status == RunStatus.Running && c.HeartbeatAt < staleBefore)
            .ExecuteUpdateAsync(s => s
                .SetProperty(c => c.Status, RunStatus.Failed)
                .SetProperty(c => c.Error, "interrupted: the process ended before the collection finished"), cancellationToken);
        await db.CollectionRuns
            .Where(r => r.Status == RunStatus.Running && r.StartedAt < staleBefore)
            .ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Status, RunStatus.Failed)
                .SetProperty(r => r.Error, "interrupted: the process ended before this org finished"), cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Collection {CollectionId} started ({Trigger}, {Orgs} orgs)")]
        public static partial void Started(ILogger logger, long collectionId, string trigger, int orgs);

        [LoggerMessage(2, LogLevel.Information, "Collection {CollectionId} finished: {Status}, {Requests} requests, {Items} models")]
        public static partial void Finished(ILogger logger, long collectionId, string status, int requests, int items);

        [LoggerMessage(3, LogLevel.Warning, "Org {Org} failed: {Reason}")]
        public static partial void OrgFailed(ILogger logger, Exception exception, string org, string reason);
    }
}
