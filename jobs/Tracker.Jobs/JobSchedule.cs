using Cronos;
using Hangfire;

namespace Tracker.Jobs;

/// <summary>Every recurring job id and its cron, in one place. Ids are stored by Hangfire: don't rename casually.</summary>
public static class JobSchedule
{
    public const string Collect = "collect";

    public static void Register(IRecurringJobManager jobs, JobsOptions options)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(options);
        jobs.AddOrUpdate<CollectJob>(Collect, job => job.RunAsync("schedule", CancellationToken.None), options.CollectCron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        DigestJobs.Register(jobs, options);
    }

    /// <summary>The schedule's most recent occurrence at or before <paramref name="now"/>.</summary>
    public static DateTime? PreviousOccurrence(string cron, DateTime now)
    {
        var expression = CronExpression.Parse(cron, cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
        DateTime? previous = null;
        foreach (var occurrence in expression.GetOccurrences(now.AddDays(-400), now, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true))
        {
            previous = occurrence;
        }

        return previous;
    }

    /// <summary>Whether <paramref name="cron"/> parses as the schedules are read (for the options' validation).</summary>
    public static bool IsValidCron(string cron)
    {
        try
        {
            PreviousOccurrence(cron, DateTime.UtcNow);
            return true;
        }
        catch (Cronos.CronFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when the newest complete collection started before the schedule's last occurrence: the machine was off or
    /// this is a fresh install, so a collection is owed now.
    /// </summary>
    public static bool IsCollectionDue(string cron, DateTime? lastCompleted, DateTime now) =>
        lastCompleted is not { } last || (PreviousOccurrence(cron, now) is { } previous && last < previous);
}
