using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>A unit of a collection: one org, family or repository set of one source, recorded as one run.</summary>
/// <param name="Source">The platform.</param>
/// <param name="Kind">What the run collects (<see cref="RunKinds"/>).</param>
/// <param name="Org">The org, family or repository set it covers.</param>
/// <param name="Work">Fetches and stores; what it did is counted on the run it is given (see <see cref="RunWork"/>).</param>
/// <param name="Finish">
/// Writes that complete the run (an org listing's gone-marks and its families' totals), made in the write transaction that
/// records the run's end: a run recorded as done has them, and one whose finishing writes fail is recorded as failed
/// without them.
/// </param>
/// <param name="After">
/// The earlier runs of the plan whose end this run waits for before it starts, because it reads what they store (a
/// family's derivative pass reads the models its orgs' listings stored); none when null.
/// </param>
public sealed record PlannedRun(
    string Source, string Kind, string Org, RunWork Work,
    Func<TrackerDbContext, CollectionRun, CancellationToken, Task>? Finish = null,
    Func<PlannedRun, bool>? After = null);

/// <summary>
/// Fetches and stores one run's work, counting what it did on <paramref name="run"/>. A run that stores behind its fetching
/// calls <paramref name="fetched"/> once it has made its last request and only its writes are left: the collector then
/// starts the source's next run, whose requests follow on while those writes finish. A run that never calls it is followed
/// once it has ended.
/// </summary>
public delegate Task RunWork(CollectionRun run, Action fetched, CancellationToken cancellationToken);

/// <summary>
/// A source beyond Hugging Face (ModelScope, GitHub) plugs into the collector by planning its day's runs. Each source's
/// runs execute in order (a run's writes may still be finishing while the next run fetches), alongside the other
/// sources'.
/// </summary>
public interface ISourcePipeline
{
    string Source { get; }

    IReadOnlyList<PlannedRun> Plan(DateOnly day);
}
