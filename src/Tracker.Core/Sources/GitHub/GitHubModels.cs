namespace Tracker.Core.Sources.GitHub;

/// <summary>A repository as an organisation's listing shows it.</summary>
public sealed record GitHubRepoListing(string FullName, bool Archived, bool Fork, DateTime? CreatedAt);

/// <summary>One release; <see cref="AssetDownloads"/> sums the uploaded assets' <c>download_count</c>.</summary>
public sealed record GitHubRelease(long Id, string Tag, string? Name, DateTime? PublishedAt, bool Prerelease, bool Draft, long AssetDownloads);

/// <summary>
/// A repository's counters and releases at one moment. <see cref="FullName"/> differs from <see cref="RequestedName"/>
/// when the repository moved (GitHub answered 301 and the redirect was followed): keep the old id and note the move.
/// <see cref="Watchers"/> is <c>subscribers_count</c> (GitHub's <c>watchers_count</c> is the star count).
/// <see cref="Requests"/> counts HTTP attempts (redirects and retries included, 304s too);
/// <see cref="NotModified"/> how many of them GitHub answered 304 (served from the ETag cache).
/// </summary>
public sealed record GitHubRepoSnapshot(
    string RequestedName,
    string FullName,
    long Id,
    bool Archived,
    int Stars,
    int Forks,
    int Watchers,
    int OpenIssues,
    DateTime? CreatedAt,
    DateTime? PushedAt,
    IReadOnlyList<GitHubRelease> Releases,
    int Requests)
{
    public int NotModified { get; init; }

    /// <summary>True when GitHub redirected the requested name to another one.</summary>
    public bool Moved => !string.Equals(RequestedName, FullName, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// GitHub refused for its rate limit: the primary one (403 or 429 with <c>x-ratelimit-remaining: 0</c>; wait until
/// <c>x-ratelimit-reset</c>) or a secondary one (403 or 429 with <c>retry-after</c>). The caller defers to <see cref="ResetAt"/>.
/// </summary>
public sealed class GitHubRateLimitedException : SourceException
{
    public GitHubRateLimitedException()
    {
    }

    public GitHubRateLimitedException(string message)
        : base(message)
    {
    }

    public GitHubRateLimitedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>When GitHub will answer again.</summary>
    public DateTimeOffset ResetAt { get; init; }

    /// <summary>True for the primary (hourly) limit, false for a secondary limit.</summary>
    public bool Primary { get; init; }
}
