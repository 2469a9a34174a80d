using System.Text.Json;
using System.Text.Json.Serialization;
using Tracker.Core.Stats;

namespace Tracker.Core.Digests;

/// <summary>The week's movement for a set of families: the read model every channel renders.</summary>
public sealed record WeeklyDigest(
    string Week,
    DateOnly From,
    DateOnly To,
    string Language,
    IReadOnlyList<string> Families,
    DateTime BuiltAt,
    IReadOnlyList<FamilyDigest> Sections);

/// <summary>One family's week. Null is unknown (no snapshot to compute it from), never zero.</summary>
public sealed record FamilyDigest(
    string Id,
    string Name,
    string Vendor,
    int Models,
    long? ModelsAdded,
    long? DownloadsThisWeek,
    long? DownloadsPreviousWeek,
    IReadOnlyList<ReleaseItem> NewModels,
    IReadOnlyList<ReleaseItem> Releases,
    IReadOnlyList<DerivativeGrowth> Derivatives,
    IReadOnlyList<ModelMover> TopMovers,
    IReadOnlyList<QualityFlag> Quality,
    IReadOnlyList<ClaimChange>? ClaimChanges = null)
{
    /// <summary>This week's downloads minus last week's; null when either is unknown.</summary>
    public long? DownloadsChange => DownloadsThisWeek - DownloadsPreviousWeek;
}

/// <summary>A claim of the article about this family whose verdict changed this week (null From: its first verdict).</summary>
public sealed record ClaimChange(string ClaimId, DateOnly Day, string? From, string To);

public sealed record DerivativeGrowth(string Relation, long? Total, long? Added);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(WeeklyDigest))]
internal sealed partial class DigestJsonContext : JsonSerializerContext;
