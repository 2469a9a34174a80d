using Hangfire;
using Tracker.Core.Claims;
using Tracker.Core.Collecting;
using Tracker.Core.Data;

namespace Tracker.Jobs;

/// <summary>The daily collection. Safe to run twice: every write upserts on its natural key.</summary>
public sealed class CollectJob(Collector collector, ClaimsRefresher claims, IBackgroundJobClient jobs)
{
    [DisableConcurrentExecution(timeoutInSeconds: 60 * 60)]
    [AutomaticRetry(Attempts = 2, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string trigger, CancellationToken cancellationToken)
    {
        var result = await collector.RunAsync(trigger, cancellationToken);
        await claims.RunAsync(cancellationToken);
        if (result.ResumeAt is { } resumeAt)
        {
            // A spent rate limit deferred part of the work: a later run, after the reset, completes it.
            jobs.Schedule<CollectJob>(job => job.RunAsync("deferred", CancellationToken.None), new DateTimeOffset(resumeAt.AddSeconds(5), TimeSpan.Zero));
        }

        if (result.Status is not (RunStatus.Succeeded or RunStatus.Deferred))
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
