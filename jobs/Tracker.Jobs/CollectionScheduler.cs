using Hangfire;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Stats;

namespace Tracker.Jobs;

/// <summary>
/// At start-up: migrate the database, register the recurring jobs, and queue a collection at once when one is owed,
/// so that a fresh install collects immediately.
/// </summary>
public sealed partial class CollectionScheduler(
    DatabaseMigrator migrator,
    DatabaseOptions database,
    IRecurringJobManager recurring,
    IBackgroundJobClient background,
    TrackerQueries queries,
    IOptions<JobsOptions> options,
    TimeProvider clock,
    ILogger<CollectionScheduler> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (database.MigrateOnStartup)
        {
            await migrator.MigrateAsync(cancellationToken);
        }

        JobSchedule.Register(recurring, options.Value);
        if (!options.Value.CollectWhenStale)
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var status = await queries.GetStatusAsync(cancellationToken);
        var running = status.Latest is { Status: RunStatus.Running } latest && now - latest.StartedAt < Collector.StaleAfter;
        var lastCompleted = await queries.LastCompletedCollectionAsync(cancellationToken);
        if (!running && JobSchedule.IsCollectionDue(options.Value.CollectCron, lastCompleted, now))
        {
            background.Enqueue<CollectJob>(job => job.RunAsync("startup", CancellationToken.None));
            Log.Queued(logger, lastCompleted);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Collection queued at start-up: the last complete one started {LastCompleted}")]
        public static partial void Queued(ILogger logger, DateTime? lastCompleted);
    }
}
