namespace Tracker.Jobs;

public sealed class JobsOptions
{
    public const string SectionName = "Tracker:Jobs";

    /// <summary>When the daily collection runs (cron, UTC). Default 02:00 UTC.</summary>
    public string CollectCron { get; set; } = "0 2 * * *";

    /// <summary>Run the Hangfire server in this process (schedule and workers). Off for a web-only node.</summary>
    public bool RunServer { get; set; } = true;

    /// <summary>At start-up, queue a collection at once when the newest complete one predates the schedule's last occurrence.</summary>
    public bool CollectWhenStale { get; set; } = true;

    public int WorkerCount { get; set; } = 2;

    /// <summary>The digest tick (cron, UTC): hourly, so every time zone's Monday 08:00 is met within the hour.</summary>
    public string DigestCron { get; set; } = "5 * * * *";
}
