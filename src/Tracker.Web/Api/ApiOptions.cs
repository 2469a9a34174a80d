using System.ComponentModel.DataAnnotations;

namespace Tracker.Web.Api;

/// <summary>Limits and caching of /api and /badges. Keys are secrets: environment or user-secrets only.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Tracker:Api";

    /// <summary>Rate limiting per client at all; off only for a trusted network (or a benchmark).</summary>
    public bool RateLimiting { get; set; } = true;

    /// <summary>Anonymous clients (per remote IP): bucket size, i.e. the burst.</summary>
    [Range(1, int.MaxValue)]
    public int PermitLimit { get; set; } = 120;

    /// <summary>Anonymous clients: tokens added every <see cref="ReplenishmentPeriod"/>.</summary>
    [Range(1, int.MaxValue)]
    public int TokensPerPeriod { get; set; } = 2;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Clients sending one of these in <c>X-Api-Key</c> get the larger bucket below, one per key.</summary>
    public IList<string> Keys { get; } = [];

    [Range(1, int.MaxValue)]
    public int KeyPermitLimit { get; set; } = 1200;

    [Range(1, int.MaxValue)]
    public int KeyTokensPerPeriod { get; set; } = 20;

    /// <summary>The longest <c>Cache-Control: max-age</c>, however far away the next collection is.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a response stays in the server's output cache. A commit in this process evicts it at once, and one by
    /// another process within <see cref="DataVersionPollInterval"/>; this is the backstop should the stamp be unreadable.
    /// </summary>
    public TimeSpan OutputCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the database's data stamp is read to hear of commits by other processes (the commands, other nodes).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan DataVersionPollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
