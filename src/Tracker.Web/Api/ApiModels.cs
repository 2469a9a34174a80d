using Tracker.Core.Stats;

namespace Tracker.Web.Api;

// The JSON contract of /api/v1. camelCase, ISO-8601 UTC dates, and an asOf on every payload:
// the time of the newest snapshot behind its numbers.

public sealed record TotalsDto(int Models, long? DownloadsAllTime, long? Downloads30d, long? Likes, DateTime? AsOf)
{
    public static TotalsDto From(PlatformTotals t) => new(t.Models, t.DownloadsAllTime, t.Downloads30d, t.Likes, t.AsOf);
}

public sealed record DerivativesDto(long? Finetune, long? Quantized, long? Adapter, long? Merge, long? Total, DateTime? AsOf)
{
    public static DerivativesDto From(DerivativeTotals d) => new(d.Finetune, d.Quantized, d.Adapter, d.Merge, d.Total, d.AsOf);
}

public sealed record GitHubDto(int Repos, long? Stars, long? Forks, int Releases, DateTime? AsOf)
{
    public static GitHubDto From(GitHubTotals g) => new(g.Repos, g.Stars, g.Forks, g.Releases, g.AsOf);
}

public sealed record FamilyDto(
    string Id, string Name, string Vendor, TotalsDto Totals, IReadOnlyDictionary<string, TotalsDto> ByPlatform, DerivativesDto Derivatives, GitHubDto GitHub,
    DateTime? AsOf, IReadOnlyList<QualityFlag> Quality)
{
    public static FamilyDto From(FamilySummary f) => new(
        f.Id, f.Name, f.Vendor, TotalsDto.From(f.Totals), f.ByPlatform.ToDictionary(p => p.Key, p => TotalsDto.From(p.Value)),
        DerivativesDto.From(f.Derivatives), GitHubDto.From(f.GitHub), f.AsOf, f.Quality);
}

public sealed record FamilyDetailsDto(
    string Id, string Name, string Vendor, TotalsDto Totals, IReadOnlyDictionary<string, TotalsDto> ByPlatform, DerivativesDto Derivatives, GitHubDto GitHub,
    DateTime? AsOf, IReadOnlyList<QualityFlag> Quality, IReadOnlyDictionary<string, IReadOnlyList<string>> Rules, IReadOnlyList<ModelDto> TopModels)
{
    public static FamilyDetailsDto From(FamilyDetails d)
    {
        var f = FamilyDto.From(d.Summary);
        return new(f.Id, f.Name, f.Vendor, f.Totals, f.ByPlatform, f.Derivatives, f.GitHub, f.AsOf, f.Quality, d.Rules, [.. d.TopModels.Select(ModelDto.From)]);
    }
}

public sealed record ModelDto(
    string Id, string Source, string Family, DateTime? CreatedAt, string? PipelineTag, string? LibraryName, string? License, long? ParameterCount,
    string? Gated, long? Downloads30d, long? DownloadsAllTime, long? Likes, DateOnly? LatestDay, DateTime? LastSeenAt, DateTime? GoneSince)
{
    public static ModelDto From(ModelRow m) => new(
        m.RepoId, m.Source, m.FamilyId, m.CreatedAt, m.PipelineTag, m.LibraryName, m.License, m.ParameterCount, m.Gated,
        m.Downloads30d, m.DownloadsAllTime, m.Likes, m.LatestDay, m.LastSeenAt, m.GoneSince);
}

public sealed record ModelPageDto(IReadOnlyList<ModelDto> Items, string? NextCursor, DateTime? AsOf);

public sealed record ModelHistoryDto(ModelDto Model, IReadOnlyList<SnapshotRow> Snapshots, DateTime? AsOf);

public sealed record SeriesDto(
    string Family, string Metric, string? Platform, string? Relation, IReadOnlyList<SeriesPoint> Points, DateTime? AsOf, IReadOnlyList<QualityFlag> Quality)
{
    public static SeriesDto From(Series s) => new(s.Family, s.Metric, s.Platform, s.Relation, s.Points, s.AsOf, s.Quality);
}

public sealed record ReleasesDto(IReadOnlyList<ReleaseItem> Items, string? NextCursor, DateTime? AsOf);

/// <summary>One source in the status: its newest success and error, requests in its last run.</summary>
public sealed record SourceStatusDto(string Source, DateTime? LastSuccess, string? LastError, DateTime? LastErrorAt, int RequestsLastRun, DateTime? NextRun);

public sealed record StatusDto(
    IReadOnlyList<SourceStatusDto> Sources, CollectionInfo? Latest, CollectionInfo? LastCompleted, bool HasData, DateTime? NextRun, DateTime? AsOf);
