namespace Tracker.Core.Sources.GitHub;

/// <summary>Settings of the GitHub source, under <c>Tracker:GitHub</c>.</summary>
public sealed class GitHubOptions
{
    public const string SectionName = "Tracker:GitHub";

    /// <summary>
    /// REST API base address, used as Octokit's connection base address as is (only a trailing slash is added):
    /// <c>https://api.github.com/</c>, or a GitHub Enterprise server's <c>https://HOST/api/v3/</c>. The
    /// <c>GITHUB_API_URL</c> environment variable (as set in GitHub Actions), when set, wins.
    /// </summary>
    public Uri ApiUrl { get; set; } = new("https://api.github.com/");

    /// <summary>Collect this source at all. Off, the collection plans no run for it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Access token. <c>GITHUB_TOKEN</c>, when set, wins. Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>Upper bound for one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after a 5xx, a 408 or a timeout. 403 and 429 (rate limits) are never retried: they surface.</summary>
    public int MaxRetries { get; set; } = 3;
}
