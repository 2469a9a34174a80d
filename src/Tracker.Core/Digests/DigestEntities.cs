using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Tracker.Core.Digests;

/// <summary>Who wants the weekly digest, where, in which language, for which families.</summary>
public sealed class DigestSubscription
{
    public long Id { get; set; }

    /// <summary><see cref="DigestChannels"/>: email, json, slack, feishu, dingtalk or wecom.</summary>
    public required string Channel { get; set; }

    /// <summary>The address (email) or URL (webhooks) as given.</summary>
    public required string Target { get; set; }

    /// <summary>Lower-cased <see cref="Target"/> for emails, so one address has one subscription per channel.</summary>
    public required string TargetKey { get; set; }

    /// <summary>Sorted, comma-separated family ids.</summary>
    public required string Families { get; set; }

    public required string Language { get; set; }

    /// <summary>IANA time zone; delivery is Monday 08:00 there.</summary>
    public required string TimeZone { get; set; }

    /// <summary><see cref="SubscriptionStatus"/>.</summary>
    public required string Status { get; set; }

    /// <summary>HMAC secret for webhooks: generated for generic JSON, given by the platform for Feishu and DingTalk.</summary>
    public string? Secret { get; set; }

    /// <summary>Whom to tell when a webhook is paused.</summary>
    public string? OwnerEmail { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime? ConfirmedAt { get; set; }
    public DateTime? UnsubscribedAt { get; set; }
    public int ConsecutiveFailures { get; set; }
    public DateTime? PausedAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>
/// The ledger: one row per (subscription, digest week), inserted before anything is sent. The unique key is the claim, so
/// no second run can send the same week to the same subscriber.
/// </summary>
public sealed class DigestDelivery
{
    public long Id { get; set; }
    public long SubscriptionId { get; set; }

    /// <summary>ISO week the digest covers, "2026-W47".</summary>
    public required string Week { get; set; }

    /// <summary><see cref="DeliveryStatus"/>.</summary>
    public required string Status { get; set; }

    public int Attempts { get; set; }
    public DateTime ClaimedAt { get; set; }
    public DateTime? SentAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public string? Error { get; set; }
}

/// <summary>A digest as built once for a week, language and family set; the archive and every delivery read it.</summary>
public sealed class DigestIssue
{
    public long Id { get; set; }
    public required string Week { get; set; }
    public required string Language { get; set; }
    public required string Families { get; set; }
    public DateTime BuiltAt { get; set; }

    /// <summary>The <see cref="WeeklyDigest"/> as JSON.</summary>
    public required string Content { get; set; }
}

/// <summary>Generated secrets kept in the database when configuration has none (the token signing key).</summary>
public sealed class DigestKey
{
    public required string Name { get; set; }
    public required string Value { get; set; }
    public DateTime CreatedAt { get; set; }
}

public static class DigestChannels
{
    public const string Email = "email";
    public const string Json = "json";
    public const string Slack = "slack";
    public const string Feishu = "feishu";
    public const string DingTalk = "dingtalk";
    public const string WeCom = "wecom";

    public static readonly IReadOnlyList<string> Webhooks = [Json, Slack, Feishu, DingTalk, WeCom];
    public static readonly IReadOnlyList<string> All = [Email, .. Webhooks];

    public static string? Normalize(string? channel) => All.FirstOrDefault(c => string.Equals(c, channel?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? (string.Equals(channel?.Trim(), "lark", StringComparison.OrdinalIgnoreCase) ? Feishu : null);
}

public static class SubscriptionStatus
{
    /// <summary>Email awaiting its confirmation link: nothing but the confirmation is sent.</summary>
    public const string Pending = "pending";
    public const string Active = "active";

    /// <summary>A webhook that failed too many weeks in a row.</summary>
    public const string Paused = "paused";
    public const string Unsubscribed = "unsubscribed";
}

public static class DeliveryStatus
{
    /// <summary>Claimed, being sent now (or the process died while sending: then never re-sent, see README).</summary>
    public const string Sending = "sending";
    public const string Sent = "sent";

    /// <summary>A transient failure; another attempt is due at NextAttemptAt.</summary>
    public const string Retrying = "retrying";
    public const string Failed = "failed";

    /// <summary>The process died between claim and outcome: the message may or may not have left. Not re-sent.</summary>
    public const string Uncertain = "uncertain";
}

internal sealed class DigestSubscriptionConfiguration : IEntityTypeConfiguration<DigestSubscription>
{
    public void Configure(EntityTypeBuilder<DigestSubscription> e)
    {
        e.ToTable("DigestSubscriptions");
        e.HasIndex(s => new { s.Channel, s.TargetKey });
        e.HasIndex(s => new { s.Status, s.Id });
        e.Property(s => s.Channel).HasMaxLength(16);
        e.Property(s => s.Target).HasMaxLength(2048);
        e.Property(s => s.TargetKey).HasMaxLength(2048);
        e.Property(s => s.Families).HasMaxLength(256);
        e.Property(s => s.Language).HasMaxLength(16);
        e.Property(s => s.TimeZone).HasMaxLength(64);
        e.Property(s => s.Status).HasMaxLength(16);
        e.Property(s => s.Secret).HasMaxLength(256);
        e.Property(s => s.OwnerEmail).HasMaxLength(320);
        e.Property(s => s.LastError).HasMaxLength(1024);
    }
}

internal sealed class DigestDeliveryConfiguration : IEntityTypeConfiguration<DigestDelivery>
{
    public void Configure(EntityTypeBuilder<DigestDelivery> e)
    {
        e.ToTable("DigestDeliveries");
        e.HasIndex(d => new { d.SubscriptionId, d.Week }).IsUnique();
        e.HasIndex(d => new { d.Week, d.Status });
        e.Property(d => d.Week).HasMaxLength(10);
        e.Property(d => d.Status).HasMaxLength(16);
        e.Property(d => d.Error).HasMaxLength(1024);
        e.HasOne<DigestSubscription>().WithMany().HasForeignKey(d => d.SubscriptionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DigestIssueConfiguration : IEntityTypeConfiguration<DigestIssue>
{
    public void Configure(EntityTypeBuilder<DigestIssue> e)
    {
        e.ToTable("DigestIssues");
        e.HasIndex(d => new { d.Week, d.Language, d.Families }).IsUnique();
        e.Property(d => d.Week).HasMaxLength(10);
        e.Property(d => d.Language).HasMaxLength(16);
        e.Property(d => d.Families).HasMaxLength(256);
    }
}

internal sealed class DigestKeyConfiguration : IEntityTypeConfiguration<DigestKey>
{
    public void Configure(EntityTypeBuilder<DigestKey> e)
    {
        e.ToTable("DigestKeys");
        e.HasKey(k => k.Name);
        e.Property(k => k.Name).HasMaxLength(64);
        e.Property(k => k.Value).HasMaxLength(256);
    }
}
