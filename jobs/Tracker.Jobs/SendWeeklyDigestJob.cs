using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Digests;

namespace Tracker.Jobs;

/// <summary>
/// The hourly tick: sends last week's digest to every subscription whose Monday 08:00 (its own time zone) has passed and
/// that has not had it yet. Safe to run twice or to be killed: the delivery ledger is claimed before anything is sent.
/// </summary>
public sealed class SendWeeklyDigestJob(DigestSender sender, TimeProvider clock)
{
    [DisableConcurrentExecution(timeoutInSeconds: 60 * 60)]
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(CancellationToken cancellationToken) => await sender.RunAsync(clock.GetUtcNow(), cancellationToken);
}

/// <summary>Mails an email subscription's confirmation link, off the request path so that the answer takes as long either way.</summary>
public sealed class SendDigestConfirmationJob(SubscriptionService subscriptions)
{
    [AutomaticRetry(Attempts = 5)]
    public Task RunAsync(long subscriptionId, CancellationToken cancellationToken) => subscriptions.SendConfirmationAsync(subscriptionId, cancellationToken);
}

public static class DigestJobs
{
    /// <summary>Hangfire recurring id of the digest tick. Stored by Hangfire: don't rename casually.</summary>
    public const string WeeklyDigest = "weekly-digest";

    public static IServiceCollection AddDigestJobs(this IServiceCollection services)
    {
        services.AddOptions<JobsOptions>().Validate(o => JobSchedule.IsValidCron(o.DigestCron), "Tracker:Jobs:DigestCron is not a valid cron expression");
        services.AddTransient<SendWeeklyDigestJob>();
        services.AddTransient<SendDigestConfirmationJob>();
        return services;
    }

    public static void Register(IRecurringJobManager jobs, JobsOptions options)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(options);
        jobs.AddOrUpdate<SendWeeklyDigestJob>(WeeklyDigest, job => job.RunAsync(CancellationToken.None), options.DigestCron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
    }
}
