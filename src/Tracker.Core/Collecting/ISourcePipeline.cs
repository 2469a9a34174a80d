using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>A unit of a collection: one org, family or repository set of one source, recorded as one run.</summary>
/// <param name="Source">The platform.</param>
/// <param name="Kind">What the run collects (<see cref="RunKinds"/>).</param>
/// <param name="Org">The org, family or repository set it covers.</param>
/// <param name="Work">Fetches and stores; what it did is counted on the run it is given.</param>
/// <param name="Finish">
/// Writes that complete the run (an org listing's gone-marks and its families' totals), made in the write transaction that
/// records the run's end: a run recorded as done has them, and one whose finishing writes fail is recorded as failed
/// without them.
/// </param>
public sealed record PlannedRun(
    string Source, string Kind, string Org, Func<CollectionRun, CancellationToken, Task> Work,
    Func<TrackerDbContext, CollectionRun, CancellationToken, Task>? Finish = null);

/// <summary>
/// A source beyond Hugging Face (ModelScope, GitHub) plugs into the collector by planning its day's runs. Each source's
/// runs execute in order, alongside the other sources'.
/// </summary>
public interface ISourcePipeline
{
    string Source { get; }

    IReadOnlyList<PlannedRun> Plan(DateOnly day);
}
