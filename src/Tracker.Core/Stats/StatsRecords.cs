namespace Tracker.Core.Stats;

/// <summary>The metrics a family series can show.</summary>
public static class Metrics
{
    public const string DownloadsAllTime = "downloadsAllTime";
    public const string Downloads30d = "downloads30d";
    public const string Likes = "likes";
    public const string Models = "models";
    public const string Derivatives = "derivatives";
    public const string Stars = "stars";
    public const string Forks = "forks";

    public static readonly IReadOnlyList<string> All = [DownloadsAllTime, Downloads30d, Likes, Models, Derivatives, Stars, Forks];

    /// <summary>Metrics measured on the model hubs, which take a <c>platform</c>.</summary>
    public static readonly IReadOnlyList<string> Hub = [DownloadsAllTime, Downloads30d, Likes, Models];

    /// <summary>The canonical spelling of a metric name given in any case, or null when unknown.</summary>
    public static string? Normalize(string? metric) => All.FirstOrDefault(m => string.Equals(m, metric, StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// Something an analyst must know to read a number right: a gap (no collection), a partial day (some models did not
/// report), a counter that went down, dates that are unknown. The message is an English sentence; its numbers are also
/// given on their own (platform; count of total models), so a page can word the flag in its reader's language.
/// </summary>
public sealed record QualityFlag(
    string Kind, string Message, DateOnly? From = null, DateOnly? To = null, string? Platform = null, int? Count = null, int? Total = null);

public static class QualityKinds
{
    public const string Gap = "gap";
    public const string Partial = "partial";
    public const string CounterDecrease = "counterDecrease";
    public const string UnknownCreationDate = "unknownCreationDate";
    public const string NoData = "noData";
}

public sealed record PlatformTotals(int Models, long? DownloadsAllTime, long? Downloads30d, long? Likes, DateOnly? Day, DateTime? AsOf);

/// <summary>Derivatives per relation, summed over the family's base models (Hugging Face's childrenModelCount).</summary>
public sealed record DerivativeTotals(long? Finetune, long? Quantized, long? Adapter, long? Merge, long? Total, DateOnly? Day, DateTime? AsOf);

public sealed record GitHubTotals(int Repos, long? Stars, long? Forks, int Releases, DateOnly? Day, DateTime? AsOf);

public sealed record FamilySummary(
    string Id,
    string Name,
    string Vendor,
    PlatformTotals Totals,
    IReadOnlyDictionary<string, PlatformTotals> ByPlatform,
    DerivativeTotals Derivatives,
    GitHubTotals GitHub,
    DateTime? AsOf,
    IReadOnlyList<QualityFlag> Quality);

public sealed record ModelRow(
    string Source,
    string RepoId,
    string FamilyId,
    DateTime? CreatedAt,
    string? PipelineTag,
    string? LibraryName,
    string? License,
    long? ParameterCount,
    string? Gated,
    long? Downloads30d,
    long? DownloadsAllTime,
    long? Likes,
    DateOnly? LatestDay,
    DateTime? LastSeenAt,
    DateTime? GoneSince);

public sealed record FamilyDetails(FamilySummary Summary, IReadOnlyDictionary<string, IReadOnlyList<string>> Rules, IReadOnlyList<ModelRow> TopModels);

public sealed record SeriesPoint(DateOnly Day, long? Value);

public sealed record Series(
    string Family, string Metric, string? Platform, string? Relation, IReadOnlyList<SeriesPoint> Points, DateTime? AsOf, IReadOnlyList<QualityFlag> Quality);

/// <summary>A new model on a hub or a GitHub release: the releases feed.</summary>
public sealed record ReleaseItem(
    string Kind, string Family, string Platform, string Repo, string? Tag, string? Name, DateTime At, bool Prerelease, long? Downloads);

public sealed record ReleasePage(IReadOnlyList<ReleaseItem> Items, DateTime? AsOf);

public sealed record ModelPage(IReadOnlyList<ModelRow> Items, string? NextCursor, DateTime? AsOf);

public sealed record SnapshotRow(DateOnly Day, DateTime CollectedAt, long? Downloads30d, long? DownloadsAllTime, long? Likes, bool AllTimeDecreased);

public sealed record ModelHistory(ModelRow Model, IReadOnlyList<SnapshotRow> Snapshots, DateTime? AsOf);

public sealed record RunInfo(string Source, string Kind, string Org, string Status, DateTime StartedAt, DateTime? FinishedAt, int Requests, int Items, long Bytes, string? Error)
{
    /// <summary>How long the run took; null while it runs.</summary>
    public double? DurationSeconds => FinishedAt is { } finished ? Math.Round((finished - StartedAt).TotalSeconds, 3) : null;
}

public sealed record CollectionInfo(
    long Id, string Trigger, string Status, DateTime StartedAt, DateTime? FinishedAt, int OrgsTotal, int OrgsDone, string? Error, IReadOnlyList<RunInfo> Runs);

/// <summary>The data-status line: the newest collection (running or not) and the newest that completed.</summary>
public sealed record DataStatus(CollectionInfo? Latest, CollectionInfo? LastCompleted, bool HasData);

/// <summary>A source's health: newest successful run, newest failed one and its error, requests made by its newest collection.</summary>
public sealed record SourceStatus(string Source, DateTime? LastSuccess, string? LastError, DateTime? LastErrorAt, int RequestsLastRun);
