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

    /// <summary>When deferred work (a spent rate limit) can resume; null when nothing was deferred.</summary>
    public DateTime? ResumeAt => Runs.Where(r => r.DeferredUntil is not null).Max(r => r.DeferredUntil);
}

/// <summary>
/// One full collection: every source in the catalogue, each source's pipeline running alongside the others and each
/// org (or family, or repository set) in its own run, so that one failing does not stop the rest. Pages are committed
/// as they arrive; a killed collection keeps what it committed. Work already done today is not fetched again, so a
/// second run the same day costs only what is still owed. Safe to run twice: every write is an upsert.
/// </summary>
public sealed partial class Collector(
    FamilyCatalog catalog,
    HuggingFaceSource huggingFace,
    IOptions<HuggingFaceOptions> huggingFaceOptions,
    IEnumerable<ISourcePipeline> pipelines,
    ListingCollector listings,
    IDbContextFactory<TrackerDbContext> contexts,
    WriteGate gate,
    TimeProvider clock,
    DataStamp dataStamp,
    ILogger<Collector> logger)
{
    /// <summary>
    /// Derivative pages queued for writing at most (a full page of 1,000 children is about 250 KB as the hub sends it): deep
    /// enough that the fetching runs on while the writer, at its lower priority, waits for a core; at 10× the benchmark's
    /// ecosystem a queue of 16 still left the fetching waiting on it for seconds.
    /// </summary>
    private const int QueuedDerivativePages = 32;

    /// <summary>
    /// Derivative pages the writer waits for (up to <see cref="WriteBehind.GatherTime"/>) before it takes the write turn,
    /// three times the writers' default: each commit writes the pages it touched to the WAL again, so fewer, larger commits
    /// write less (at 1× the benchmark's ecosystem 67 MB instead of 82 MB, at 10× 767 MB instead of 855 MB). Alternate pairs
    /// of one benchmark run, 1×: 1.39 against 1.44 times the baseline (and 0.06 and 0.09 lower in two earlier runs). It costs
    /// about 10 MB of peak at 10×, which GitHub's timers had taken until they were fixed.
    /// </summary>
    private const int GatheredDerivativePages = 24;

    /// <summary>
    /// The most children a lineage listing's set of keys is sized for before the listing (it grows past it as needed): the
    /// count is the hub's word, and a wrong one must not make every such base allocate megabytes up front.
    /// </summary>
    private const int MaxExpectedChildren = 1 << 16;

    /// <summary>A running collection whose heartbeat is older than this was killed.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(30);

    public async Task<CollectionResult> RunAsync(string trigger, CancellationToken cancellationToken)
    {
        var started = clock.GetUtcNow().UtcDateTime;
        var day = DateOnly.FromDateTime(started);
        var plans = new List<(string Source, IReadOnlyList<PlannedRun> Runs)>
        {
            (Platform.HuggingFace, [.. HuggingFaceRuns(day)]),
        };
        plans.AddRange(pipelines.Select(p => (p.Source, p.Plan(day))));

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await MarkAbandonedAsync(db, started, cancellationToken);
        var collection = new CollectionRecord
        {
            StartedAt = started,
            HeartbeatAt = started,
            Day = day,
            Trigger = trigger,
            Status = RunStatus.Running,
            OrgsTotal = plans.Sum(p => p.Runs.Count),
        };
        db.Collections.Add(collection);
        await db.SaveChangesAsync(cancellationToken);
        Log.Started(logger, collection.Id, trigger, collection.OrgsTotal);
        // A run that succeeded today, in an earlier collection, is not done again. Read once here rather than by each run as
        // it starts, which put a query on the chain of requests before each run's first one; a run that another collection
        // completes meanwhile is done again, as every write is an upsert.
        var doneToday = (await db.CollectionRuns.AsNoTracking()
            .Where(r => r.Day == day && r.Status == RunStatus.Succeeded)
            .Select(r => new { r.Source, r.Kind, r.Org })
            .ToListAsync(cancellationToken))
            .Select(r => (r.Source, r.Kind, r.Org)).ToHashSet();

        // Sources talk to different hosts with their own budgets: one slow or failing source does not hold the others.
        // Hugging Face's chain of requests (a detail request per family model, then the model tree) is the collection's
        // critical path; the shorter sources' pipelines run on a thread of their own at the writers' lower priority, so
        // that on a busy machine their work waits for a core rather than the Hugging Face chain (alternate pairs of one
        // benchmark run: 1.29 against 1.32 times the baseline at 1× the ecosystem, 1.265 against 1.34 at 10×).
        var results = await Task.WhenAll(plans.Select(p => p.Source == Platform.HuggingFace
            ? RunPlanAsync(collection.Id, day, doneToday, p.Runs, cancellationToken)
            : WriterThread.Run(() => RunPlanAsync(collection.Id, day, doneToday, p.Runs, cancellationToken), $"Tracker {p.Source}")));
        var runs = results.SelectMany(r => r).ToList();
        // The log checkpoints its writes set off run beside the write turns (WalCheckpointer): waited for here, as they
        // were when they ran inside a commit, so that a collection's end (and its cost) includes them.
        await gate.CheckpointedAsync();

        var failed = runs.Where(r => r.Status == RunStatus.Failed).ToList();
        var deferred = runs.Where(r => r.Status == RunStatus.Deferred).ToList();
        collection.Status = failed.Count > 0 ? (failed.Count == runs.Count ? RunStatus.Failed : RunStatus.Partial)
            : deferred.Count > 0 ? RunStatus.Deferred : RunStatus.Succeeded;
        collection.Error = failed.Count + deferred.Count == 0 ? null : string.Join("; ", failed.Concat(deferred).Select(r => r.Error));
        collection.FinishedAt = clock.GetUtcNow().UtcDateTime;
        collection.OrgsDone = collection.OrgsTotal;
        db.Collections.Update(collection);
        await dataStamp.SaveAsync(db, CancellationToken.None);
        Log.Finished(logger, collection.Id, collection.Status, runs.Sum(r => r.Requests), runs.Sum(r => r.Items));
        return new CollectionResult(collection.Id, collection.Status, runs);
    }

    /// <summary>
    /// A source's runs in order, their requests one chain: each run starts once the previous has made its last request
    /// (<see cref="RunWork"/>) — or has ended, if it never says — so the requests go on while the previous run's writes
    /// and its end are stored, and never overlap. A run also waits for the earlier runs it reads from to end
    /// (<see cref="PlannedRun.After"/>).
    /// </summary>
    private async Task<List<CollectionRun>> RunPlanAsync(
        long collectionId, DateOnly day, HashSet<(string Source, string Kind, string Org)> doneToday, IReadOnlyList<PlannedRun> plan, CancellationToken cancellationToken)
    {
        var runs = new List<(PlannedRun Planned, Task<CollectionRun?> Running)>();
        foreach (var planned in plan)
        {
            if (planned.After is { } after)
            {
                await Task.WhenAll(runs.Where(r => after(r.Planned)).Select(r => r.Running));
            }

            var fetched = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = doneToday.Contains((planned.Source, planned.Kind, planned.Org))
                ? SkipDoneAsync(collectionId, cancellationToken)
                : RunOneAsync(collectionId, day, planned, () => fetched.TrySetResult(), cancellationToken);
            runs.Add((planned, running));
            await Task.WhenAny(fetched.Task, running);
        }

        return [.. (await Task.WhenAll(runs.Select(r => r.Running))).OfType<CollectionRun>()];
    }

    /// <summary>A run that already succeeded today: only the collection's progress is recorded.</summary>
    private async Task<CollectionRun?> SkipDoneAsync(long collectionId, CancellationToken cancellationToken)
    {
        await using var turn = await gate.BeginAsync(cancellationToken);
        await ProgressAsync(turn.Db, collectionId, CancellationToken.None);
        await turn.CommitAsync(CancellationToken.None);
        return null;
    }

    /// <summary>
    /// Runs one unit of work, recording it. The run's records are written in write turns (<see cref="WriteGate"/>) like
    /// its pages: on SQLite, written beside the turns on a connection of their own, they met the lock held by a turn and
    /// slept in the busy handler, between one run and the next of a chain of requests (at 1× the benchmark's ecosystem,
    /// 3–35 ms a record). Its start is recorded on the thread pool while its work begins — the previous run's writer may
    /// hold the turn, and when it does not, the record would otherwise be written on the chain of requests, before the
    /// run's first one (at 1× the benchmark's ecosystem, 1–6 ms a run, six Hugging Face listings before the first model's
    /// request). Its end, the collection's progress and the data stamp share one turn.
    /// </summary>
    private async Task<CollectionRun?> RunOneAsync(long collectionId, DateOnly day, PlannedRun planned, Action fetched, CancellationToken cancellationToken)
    {
        var run = new CollectionRun
        {
            CollectionId = collectionId,
            Source = planned.Source,
            Kind = planned.Kind,
            Org = planned.Org,
            Day = day,
            StartedAt = clock.GetUtcNow().UtcDateTime,
            Status = RunStatus.Running,
        };
        var started = Task.Run(() => RecordStartAsync(run, cancellationToken), CancellationToken.None);
        try
        {
            await planned.Work(run, fetched, cancellationToken);
            run.Status = RunStatus.Succeeded;
        }
        catch (SourceDeferredException e)
        {
            run.Requests += e.Requests;
            run.Status = RunStatus.Deferred;
            run.DeferredUntil = e.Until;
            run.Error = e.Message;
            Log.Deferred(logger, planned.Source, planned.Org, e.Until);
        }
        catch (SourceException e)
        {
            run.Requests += e.Requests;
            run.Status = RunStatus.Failed;
            run.Error = e.Message;
            Log.RunFailed(logger, e, planned.Source, planned.Org, e.Message);
        }
        catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
        {
            run.Status = RunStatus.Failed;
            run.Error = $"{planned.Source} {planned.Kind} '{planned.Org}': storing failed: {e.Message}";
            Log.RunFailed(logger, e, planned.Source, planned.Org, run.Error);
        }
        finally
        {
            run.FinishedAt = clock.GetUtcNow().UtcDateTime;
            if (run.Status == RunStatus.Running)
            {
                run.Status = RunStatus.Failed;
                run.Error = $"{planned.Source} {planned.Kind} '{planned.Org}': cancelled";
            }

            await started;
            // A run recorded as done is never redone the same day, so its finishing writes share the transaction that records
            // its end; when they fail, they are rolled back and the run is recorded as failed.
            if (!await EndAsync(collectionId, planned, run, finish: true))
            {
                await EndAsync(collectionId, planned, run, finish: false);
            }
        }

        return run;
    }

    /// <summary>
    /// Records a run's end in one write turn: its finishing writes (<see cref="PlannedRun.Finish"/>) when asked, the run,
    /// the collection's progress and the data stamp. False when the finishing writes failed: nothing was committed, and
    /// the run now says why it failed.
    /// </summary>
    private async Task<bool> EndAsync(long collectionId, PlannedRun planned, CollectionRun run, bool finish)
    {
        await using var turn = await gate.BeginAsync(CancellationToken.None);
        if (finish && planned.Finish is { } writes)
        {
            try
            {
                await writes(turn.Db, run, CancellationToken.None);
            }
            catch (Exception e) when (e is DbException or DbUpdateException or InvalidOperationException)
            {
                var error = $"{planned.Source} {planned.Kind} '{planned.Org}': storing failed: {e.Message}";
                Log.RunFailed(logger, e, planned.Source, planned.Org, error);
                run.Status = RunStatus.Failed;
                run.Error = run.Error is null ? error : $"{run.Error}; {error}";
                return false;
            }
        }

        turn.Db.CollectionRuns.Update(run);
        await turn.Db.SaveChangesAsync(CancellationToken.None);
        await ProgressAsync(turn.Db, collectionId, CancellationToken.None);
        // The run's pages and totals are committed: cached answers built before them are stale now, in every process.
        await dataStamp.CommitAsync(turn, CancellationToken.None);
        return true;
    }

    /// <summary>Records that a run has started: a run killed before its end is then found running and marked abandoned.</summary>
    private async Task RecordStartAsync(CollectionRun run, CancellationToken cancellationToken)
    {
        await using var turn = await gate.BeginAsync(cancellationToken);
        turn.Db.CollectionRuns.Add(run);
        await turn.Db.SaveChangesAsync(cancellationToken);
        await turn.CommitAsync(cancellationToken);
    }

    /// <summary>One more planned run done, and the collection's heartbeat.</summary>
    private Task<int> ProgressAsync(TrackerDbContext db, long collectionId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Collections.Where(c => c.Id == collectionId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.OrgsDone, c => c.OrgsDone + 1).SetProperty(c => c.HeartbeatAt, now), cancellationToken);
    }

    private IEnumerable<PlannedRun> HuggingFaceRuns(DateOnly day)
    {
        foreach (var org in catalog.OrgsFor(Platform.HuggingFace))
        {
            yield return new PlannedRun(Platform.HuggingFace, RunKinds.Models, org,
                (run, fetched, ct) => listings.CollectAsync(Platform.HuggingFace, org, huggingFace.ListModelsAsync(org, huggingFaceOptions.Value.PageSize, ct), day, run, fetched, ct),
                (db, run, ct) => listings.FinishAsync(db, Platform.HuggingFace, org, day, run, ct));
        }

        foreach (var family in catalog.Families.Where(f => f.Rules[Platform.HuggingFace].Count > 0))
        {
            // The family's models are those its orgs' listings stored (and marked gone): those listings must have ended.
            yield return new PlannedRun(Platform.HuggingFace, RunKinds.Derivatives, family.Id,
                (run, fetched, ct) => CollectDerivativesAsync(family.Id, day, run, fetched, ct),
                After: earlier => earlier.Kind == RunKinds.Models && catalog.FamiliesListedIn(Platform.HuggingFace, earlier.Org).Contains(family.Id));
        }
    }

    /// <summary>
    /// A family's derivatives: one detail request per model not yet counted today, and the lineage pages that are new
    /// since the last pass (all of them the first time). Fetching and writing overlap: the fetch loop hands each write
    /// to a single writer through a bounded queue, in order, so the database's time hides behind the network's and
    /// memory holds at most a few pages.
    /// </summary>
    private async Task CollectDerivativesAsync(string familyId, DateOnly day, CollectionRun run, Action fetched, CancellationToken cancellationToken)
    {
        List<(long Id, string RepoId, DateTime? Synced, DateTime? Newest, int? Known)> bases;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            var counted = db.DerivativeCounts.Where(d => d.Day == day).Select(d => d.ModelId);
            bases = [.. (await db.Models.AsNoTracking()
                .Where(m => m.Source == Platform.HuggingFace && m.FamilyId == familyId && m.GoneSince == null && !counted.Contains(m.Id))
                .OrderBy(m => m.Id)
                .Select(m => new { m.Id, m.RepoId, m.LineageSyncedAt, m.LineageNewestAt, m.LineageKnown })
                .ToListAsync(cancellationToken)).Select(m => (m.Id, m.RepoId, m.LineageSyncedAt, m.LineageNewestAt, m.LineageKnown))];
        }

        await using var writes = WriteBehind.Start(gate, cancellationToken, QueuedDerivativePages, GatheredDerivativePages);
        var counts = new List<(long, ChildrenCount)>();
        var synced = new List<LineagePass>();
        foreach (var (id, repoId, lastSynced, newest, known) in bases)
        {
            var count = await huggingFace.GetChildrenCountAsync(repoId, cancellationToken);
            run.Requests += count!.Requests;
            if (!count.Found)
            {
                continue;
            }

            counts.Add((id, count));
            run.Items++;
            // Nothing new since the last complete pass: the hub's count matches what is stored, so no page is owed.
            if (count.Total is > 0 && !(lastSynced is not null && known >= count.Total))
            {
                var listedFrom = clock.GetUtcNow().UtcDateTime;
                var listing = await ListLineageAsync(id, repoId, lastSynced, newest, lastSynced is null ? count.Total.Value : 0, writes, run, cancellationToken);
                synced.Add(new LineagePass(id, newest, listedFrom, listing));
            }

            if (counts.Count == 100)
            {
                await FlushCountsAsync();
            }
        }

        await FlushCountsAsync();
        fetched();
        await writes.CompleteAsync();

        // Counts and lineage marks go in batches, queued after the pages they vouch for.
        async Task FlushCountsAsync()
        {
            var (countBatch, syncedBatch, at) = (counts.ToList(), synced.ToList(), clock.GetUtcNow().UtcDateTime);
            counts.Clear();
            synced.Clear();
            await writes.EnqueueAsync(async (db, ct) =>
            {
                await SnapshotWriter.WriteDerivativeCountsAsync(db, countBatch, day, at, ct);
                await SnapshotWriter.MarkLineageSyncedAsync(db, syncedBatch, at, ct);
            }, cancellationToken);
        }
    }

    /// <summary>
    /// Lists a base's children, newest first, down to the newest already known; returns what the writer learns of the
    /// listing as it stores the pages (the distinct children's keys, the newest child), so that neither hashing nor, on a
    /// first pass, parsing sits between one request and the next.
    /// </summary>
    private async Task<LineageListing> ListLineageAsync(
        long baseId, string baseRepoId, DateTime? synced, DateTime? newestKnown, long expected, WriteBehind writes, CollectionRun run,
        CancellationToken cancellationToken)
    {
        // Sized for the hub's count on a first pass, so that a big base's set is not grown (and copied) a dozen times; capped,
        // since the count is the hub's word.
        var listing = new LineageListing((int)Math.Clamp(expected, 0, MaxExpectedChildren));
        var pageSize = huggingFaceOptions.Value.PageSize;
        if (synced is null || newestKnown is not { } newest)
        {
            // Every page is read: the writer reads each (into the block it stores) beside the next request rather than before it.
            await foreach (var page in huggingFace.ListChildrenUnparsedAsync(baseRepoId, pageSize, cancellationToken))
            {
                run.Requests += page.Requests;
                run.Bytes += page.Bytes;
                var now = clock.GetUtcNow().UtcDateTime;
                try
                {
                    await writes.EnqueueAsync(async (db, ct) =>
                    {
                        DerivativeBlockWriter? block;
                        using (page)
                        {
                            block = DerivativePage.ReadBlock(page.Body, baseRepoId, page.Label, page.Number, listing);
                        }

                        using (block)
                        {
                            if (block is not null)
                            {
                                await SnapshotWriter.InsertBlockAsync(db, baseId, now, block, ct);
                            }
                        }
                    }, cancellationToken);
                }
                catch
                {
                    page.Dispose();
                    throw;
                }
            }

            return listing;
        }

        await foreach (var page in huggingFace.ListChildrenAsync(baseRepoId, pageSize, cancellationToken))
        {
            run.Requests += page.Requests;
            run.Bytes += page.Bytes;
            var now = clock.GetUtcNow().UtcDateTime;
            var rows = SnapshotWriter.DerivativeRows(page.Models, baseRepoId);
            await writes.EnqueueAsync((db, ct) => SnapshotWriter.WriteDerivativesAsync(db, baseId, rows, now, listing, ct), cancellationToken);

            // Newest first: once a page reaches a child already known, the rest is known too.
            if (page.Models.Any(c => c.CreatedAt is { } created && created <= newest))
            {
                break;
            }
        }

        return listing;
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
                .SetProperty(r => r.Error, "interrupted: the process ended before this run finished"), cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Collection {CollectionId} started ({Trigger}, {Runs} runs planned)")]
        public static partial void Started(ILogger logger, long collectionId, string trigger, int runs);

        [LoggerMessage(2, LogLevel.Information, "Collection {CollectionId} finished: {Status}, {Requests} requests, {Items} items")]
        public static partial void Finished(ILogger logger, long collectionId, string status, int requests, int items);

        [LoggerMessage(3, LogLevel.Warning, "{Source} '{Org}' failed: {Reason}")]
        public static partial void RunFailed(ILogger logger, Exception exception, string source, string org, string reason);

        [LoggerMessage(4, LogLevel.Information, "{Source} '{Org}' deferred until {Until} (rate limit)")]
        public static partial void Deferred(ILogger logger, string source, string org, DateTime until);
    }
}
