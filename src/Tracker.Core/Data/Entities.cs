namespace Tracker.Core.Data;

/// <summary>A repository on a model hub that belongs to a family.</summary>
public sealed class TrackedModel
{
    public long Id { get; set; }
    public required string Source { get; set; }

    /// <summary>"owner/name" as the hub spells it.</summary>
    public required string RepoId { get; set; }

    /// <summary>Lower-cased <see cref="RepoId"/>: hubs treat ids case-insensitively, and so does the unique key.</summary>
    public required string RepoKey { get; set; }

    public required string Author { get; set; }
    public required string FamilyId { get; set; }

    /// <summary>Null when the hub does not know (Hugging Face's 2022-03-02T23:29:04Z sentinel) or did not say.</summary>
    public DateTime? CreatedAt { get; set; }
    public DateTime? LastModified { get; set; }
    public string? PipelineTag { get; set; }
    public string? LibraryName { get; set; }
    public string? License { get; set; }
    public long? ParameterCount { get; set; }

    /// <summary>"false", "auto", "manual" or "true" as the hub reported it; null when absent.</summary>
    public string? Gated { get; set; }

    /// <summary>JSON array of the hub's tags, as received.</summary>
    public string? Tags { get; set; }

    /// <summary>JSON object of parameter counts per dtype from the safetensors metadata, as received.</summary>
    public string? ParameterDtypes { get; set; }

    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }

    /// <summary>Set when a complete listing of the model's org no longer contains it; cleared when it returns.</summary>
    public DateTime? GoneSince { get; set; }

    // The newest snapshot's counters, copied here so that lists sort and page without a join per request.
    public DateOnly? LatestDay { get; set; }
    public long? Downloads30d { get; set; }
    public long? DownloadsAllTime { get; set; }
    public long? Likes { get; set; }

    /// <summary>When the model's derivatives were last listed completely (null: the first full pass is still owed).</summary>
    public DateTime? LineageSyncedAt { get; set; }

    /// <summary>
    /// The newest creation date among the children listed by then: where the next listing, newest first, stops. Kept here
    /// rather than read from the children, so that storing them needs no index on their creation dates.
    /// </summary>
    public DateTime? LineageNewestAt { get; set; }

    /// <summary>How many of the model's children were stored when its lineage was last listed completely.</summary>
    public int? LineageKnown { get; set; }
}

/// <summary>One model's counters on one UTC day, raw as received. Upserted on (ModelId, Day).</summary>
public sealed class Snapshot
{
    public long ModelId { get; set; }
    public DateOnly Day { get; set; }
    public DateTime CollectedAt { get; set; }
    public long? Downloads30d { get; set; }
    public long? DownloadsAllTime { get; set; }
    public long? Likes { get; set; }

    /// <summary>True when the all-time counter is lower than the model's previous snapshot: kept as received, flagged.</summary>
    public bool AllTimeDecreased { get; set; }
}

/// <summary>One whole collection (every source and org), as started by the schedule or the command.</summary>
public sealed class CollectionRecord
{
    public long Id { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public DateOnly Day { get; set; }
    public required string Trigger { get; set; }
    public required string Status { get; set; }
    public int OrgsTotal { get; set; }
    public int OrgsDone { get; set; }
    public string? Error { get; set; }

    /// <summary>Touched after every page: a running collection whose heartbeat stopped was killed.</summary>
    public DateTime HeartbeatAt { get; set; }
}

/// <summary>The listing of one org on one source within a collection.</summary>
public sealed class CollectionRun
{
    public long Id { get; set; }
    public long CollectionId { get; set; }
    public required string Source { get; set; }

    /// <summary>What was collected: <see cref="RunKinds"/>.</summary>
    public string Kind { get; set; } = RunKinds.Models;

    public DateOnly Day { get; set; }

    /// <summary>For a deferred run: the rate limit resets then, and a later run completes the work.</summary>
    public DateTime? DeferredUntil { get; set; }
    public required string Org { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }
    public required string Status { get; set; }
    public int Requests { get; set; }
    public int Items { get; set; }
    public long Bytes { get; set; }
    public string? Error { get; set; }
}

/// <summary>
/// A family's sums on one platform and day, rebuilt from the snapshots after every org run, so that series
/// are read from one row per day instead of one per model. Nulls stay null: SQL SUM of nothing known is NULL.
/// </summary>
public sealed class DailyTotal
{
    public required string FamilyId { get; set; }
    public required string Source { get; set; }
    public DateOnly Day { get; set; }
    public long? Downloads30d { get; set; }
    public long? DownloadsAllTime { get; set; }
    public long? Likes { get; set; }

    /// <summary>Models with a snapshot that day.</summary>
    public int Reported { get; set; }

    /// <summary>Models known and not gone that day, which should have reported.</summary>
    public int Expected { get; set; }

    public int Decreases { get; set; }
    public DateTime? LastCollectedAt { get; set; }
}

public static class RunKinds
{
    public const string Models = "models";
    public const string Derivatives = "derivatives";
    public const string Repos = "repos";
}

public static class RunStatus
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Some orgs failed; the others completed.</summary>
    public const string Partial = "partial";

    /// <summary>A rate limit stopped the work before its end; it resumes after the reset. Not a failure.</summary>
    public const string Deferred = "deferred";
}
