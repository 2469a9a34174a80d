using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>A unit of a collection: one org, family or repository set of one source, recorded as one run.</summary>
public sealed record PlannedRun(
    string Source, string Kind, string Org, Func<CollectionRun, CancellationToken, Task> Work, Func<CancellationToken, Task>? AfterRun = null);

/// <summary>
/// A source beyond Hugging Face (ModelScope, GitHub) plugs into the collector by planning its day's runs. Each source's
/// runs execute in order, alongside the other sources'.
/// </summary>
public interface ISourcePipeline
{
    string Source { get; }

    IReadOnlyList<PlannedRun> Plan(DateOnly day);
}
