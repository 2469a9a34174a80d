using Hangfire;
using Tracker.Core.Collecting;

namespace Tracker.Jobs;

/// <summary>The daily collection. Safe to run twice: every write upserts on its natural key.</summary>
public sealed class CollectJob(Collector collector)
{
    [DisableConcurrentExecution(timeoutInSeconds: 60 * 60)]
    [AutomaticRetry(Attempts = 2, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string trigger, CancellationToken cancellationToken)
    {
        var result = await collector.RunAsync(trigger, cancellationToken);
        if (!result.Succeeded)
        {
            // Failing the job shows it in /jobs and lets Hangfire retry; what was collected is already committed.
            throw new CollectionFailedException($"Collection {result.CollectionId} {result.Status}: "
                + string.Join("; ", result.Runs.Where(r => r.Error is not null).Select(r => r.Error)));
        }
    }
}

public sealed class CollectionFailedException : Exception
{
    public CollectionFailedException()
    {
    }

    public CollectionFailedException(string message)
        : base(message)
    {
    }

    public CollectionFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
