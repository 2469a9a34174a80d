namespace Tracker.Core.Data;

/// <summary>A base model's derivative counts on one day, from Hugging Face's <c>childrenModelCount</c>.</summary>
public sealed class DerivativeCount
{
    public long ModelId { get; set; }
    public DateOnly Day { get; set; }
    public DateTime CollectedAt { get; set; }
    public long? Finetune { get; set; }
    public long? Quantized { get; set; }
    public long? Adapter { get; set; }
    public long? Merge { get; set; }

    /// <summary>The hub's total; when it sends a bare integer, this is all that is known.</summary>
    public long? Total { get; set; }
}

/// <summary>A GitHub repository of a family. Moved repositories keep their row and record where they went.</summary>
public sealed class GitHubRepo
{
    public long Id { get; set; }
    public required string FullName { get; set; }

    /// <summary>Lower-cased <see cref="FullName"/>: follows a move, so the repository's history stays on one row.</summary>
    public required string RepoKey { get; set; }

    public long? GitHubId { get; set; }
    public required string FamilyId { get; set; }
    public required string Owner { get; set; }
    public bool Archived { get; set; }
    public string? MovedTo { get; set; }
    public DateTime? CreatedAt { get; set; }
    public DateTime? PushedAt { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
    public DateTime? GoneSince { get; set; }

    /// <summary>Not before this instant (a rate limit deferred the repository's work).</summary>
    public DateTime? NextCheckAt { get; set; }

    public DateOnly? LatestDay { get; set; }
    public int? Stars { get; set; }
    public int? Forks { get; set; }
    public int? Watchers { get; set; }
    public int? OpenIssues { get; set; }
}

public sealed class RepoSnapshot
{
    public long RepoId { get; set; }
    public DateOnly Day { get; set; }
    public DateTime CollectedAt { get; set; }
    public int Stars { get; set; }
    public int Forks { get; set; }
    public int Watchers { get; set; }
    public int OpenIssues { get; set; }
}

public sealed class GitHubReleaseRow
{
    public long Id { get; set; }
    public long RepoId { get; set; }
    public long GitHubReleaseId { get; set; }
    public required string Tag { get; set; }
    public string? Name { get; set; }
    public DateTime? PublishedAt { get; set; }
    public bool Prerelease { get; set; }
    public long AssetDownloads { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
}

/// <summary>A cached HTTP response (Octokit's ETag cache), so unchanged GitHub resources cost a 304.</summary>
public sealed class HttpCacheEntry
{
    public required string Key { get; set; }
    public required byte[] Value { get; set; }
    public DateTime UpdatedAt { get; set; }
}
