using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Tracker.Core.Claims;

/// <summary>A claim's measurement on one day (the day of the collection it followed). Upserted on (ClaimId, Day).</summary>
public sealed class ClaimMeasurement
{
    public required string ClaimId { get; set; }
    public DateOnly Day { get; set; }
    public DateTime MeasuredAt { get; set; }
    public required string Verdict { get; set; }
    public double? Value { get; set; }
    public required string ValueText { get; set; }

    /// <summary>JSON <see cref="ClaimNote"/>: the value's sentence as data, for pages in other languages. Null on rows measured before it was kept.</summary>
    public string? Note { get; set; }

    /// <summary>The day the value describes: the claim's date for a rebuild, a later day for a later measurement.</summary>
    public DateOnly? ValueAsOf { get; set; }

    public bool AtClaimDate { get; set; }

    /// <summary>Comma-separated platforms the measurement includes.</summary>
    public required string Platforms { get; set; }

    /// <summary>The sentence on the definitional gap between the claim and what Tracker measures.</summary>
    public required string Gap { get; set; }

    /// <summary>JSON object of the parts behind the value (per platform, per family, today's count…).</summary>
    public string? Breakdown { get; set; }
}

/// <summary>A claim's verdict changed (or was first given) on this day.</summary>
public sealed class ClaimVerdictChange
{
    public long Id { get; set; }
    public required string ClaimId { get; set; }
    public DateOnly Day { get; set; }
    public DateTime ChangedAt { get; set; }
    public string? FromVerdict { get; set; }
    public required string Verdict { get; set; }
    public double? Value { get; set; }
}

/// <summary>One place of a dated ranking: recorded from Hugging Face trending, or imported from an archive.</summary>
public sealed class RankingEntry
{
    public DateOnly Day { get; set; }

    /// <summary><see cref="RankingOrigins"/>.</summary>
    public required string Origin { get; set; }

    public int Rank { get; set; }
    public required string RepoId { get; set; }
    public required string Author { get; set; }

    /// <summary>ISO country of the author's organisation from Tracker's table; null when unknown.</summary>
    public string? Country { get; set; }

    public double? Score { get; set; }
    public string? PipelineTag { get; set; }

    /// <summary>Where an imported ranking came from (file name, archive address).</summary>
    public string? Note { get; set; }

    public DateTime RecordedAt { get; set; }
}

public static class RankingOrigins
{
    public const string Trending = "hf-trending";
    public const string Imported = "imported";
}

internal sealed class ClaimMeasurementConfiguration : IEntityTypeConfiguration<ClaimMeasurement>
{
    public void Configure(EntityTypeBuilder<ClaimMeasurement> e)
    {
        e.ToTable("ClaimMeasurements");
        e.HasKey(m => new { m.ClaimId, m.Day });
        e.Property(m => m.ClaimId).HasMaxLength(64);
        e.Property(m => m.Verdict).HasMaxLength(32);
        e.Property(m => m.ValueText).HasMaxLength(512);
        e.Property(m => m.Platforms).HasMaxLength(128);
        e.Property(m => m.Gap).HasMaxLength(2000);
    }
}

internal sealed class ClaimVerdictChangeConfiguration : IEntityTypeConfiguration<ClaimVerdictChange>
{
    public void Configure(EntityTypeBuilder<ClaimVerdictChange> e)
    {
        e.ToTable("ClaimVerdictChanges");
        e.HasIndex(c => new { c.ClaimId, c.Day });
        e.Property(c => c.ClaimId).HasMaxLength(64);
        e.Property(c => c.FromVerdict).HasMaxLength(32);
        e.Property(c => c.Verdict).HasMaxLength(32);
    }
}

internal sealed class RankingEntryConfiguration : IEntityTypeConfiguration<RankingEntry>
{
    public void Configure(EntityTypeBuilder<RankingEntry> e)
    {
        e.ToTable("Rankings");
        e.HasKey(r => new { r.Day, r.Origin, r.Rank });
        e.Property(r => r.Origin).HasMaxLength(32);
        e.Property(r => r.RepoId).HasMaxLength(256);
        e.Property(r => r.Author).HasMaxLength(128);
        e.Property(r => r.Country).HasMaxLength(8);
        e.Property(r => r.PipelineTag).HasMaxLength(64);
        e.Property(r => r.Note).HasMaxLength(512);
    }
}
