using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Tracker.Core.Data;

namespace Tracker.Core.Digests;

public sealed record SubscribeRequest(
    string? Email = null,
    string? WebhookUrl = null,
    string? Channel = null,
    IReadOnlyList<string>? Families = null,
    string? Language = null,
    string? TimeZone = null,
    string? Secret = null,
    string? OwnerEmail = null);

/// <summary>
/// The outcome of a subscription request. For email it is always <see cref="SubscribeStatus.ConfirmationSent"/> whether or
/// not the address is known: the answer must not tell anyone who subscribes.
/// </summary>
public sealed record SubscribeOutcome(
    string Status,
    long? SubscriptionId = null,
    string? Secret = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    long? ConfirmationFor = null);

public static class SubscribeStatus
{
    public const string ConfirmationSent = "confirmationSent";
    public const string Active = "active";
    public const string Invalid = "invalid";
    public const string TestFailed = "testFailed";
}

public sealed class SubscriptionService(
    IDbContextFactory<TrackerDbContext> contexts,
    DigestBuilder builder,
    DigestTokens tokens,
    WebhookAddressGuard guard,
    WebhookChannel webhooks,
    EmailChannel email,
    Mailer mailer,
    IOptions<DigestOptions> options,
    TimeProvider clock)
{
    public async Task<SubscribeOutcome> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        var channel = DigestChannels.Normalize(request.Channel ?? (string.IsNullOrWhiteSpace(request.WebhookUrl) ? DigestChannels.Email : DigestChannels.Json));
        if (channel is null)
        {
            errors["channel"] = [$"channel must be one of {string.Join(", ", DigestChannels.All)}"];
        }

        var unknown = (request.Families ?? []).Where(f => builder.Catalog.Find(f.Trim()) is null).ToList();
        if (unknown.Count > 0)
        {
            errors["families"] = [$"unknown families: {string.Join(", ", unknown)}; use any of {string.Join(", ", builder.Catalog.Families.Select(f => f.Id))}"];
        }

        var language = DigestText.NormalizeLanguage(request.Language);
        if (language is null)
        {
            errors["language"] = ["language must be en or zh-CN"];
        }

        var timeZone = string.IsNullOrWhiteSpace(request.TimeZone) ? "UTC" : request.TimeZone.Trim();
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) || !zone.HasIanaId)
        {
            errors["timeZone"] = ["timeZone must be an IANA time zone such as Asia/Shanghai or Europe/Berlin"];
        }

        if (request.OwnerEmail is { Length: > 0 } owner && !IsEmail(owner))
        {
            errors["ownerEmail"] = ["ownerEmail is not an email address"];
        }

        Uri? url = null;
        if (channel == DigestChannels.Email)
        {
            if (request.Email is not { } address || !IsEmail(address))
            {
                errors["email"] = ["email must be an email address"];
            }
            else if (!mailer.Configured)
            {
                errors["email"] = ["this Tracker sends no email (Tracker:Smtp:Host is not set)"];
            }
        }
        else if (channel is not null)
        {
            if (!Uri.TryCreate(request.WebhookUrl?.Trim(), UriKind.Absolute, out url))
            {
                errors["webhookUrl"] = ["webhookUrl must be an absolute http(s) URL"];
            }
            else if (await guard.CheckAsync(url, cancellationToken) is { } refused)
            {
                errors["webhookUrl"] = [refused];
            }
        }

        if (errors.Count > 0)
        {
            return new SubscribeOutcome(SubscribeStatus.Invalid, Errors: errors);
        }

        var families = string.Join(',', builder.NormalizeFamilies(request.Families));
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (channel == DigestChannels.Email)
        {
            var key = request.Email!.Trim().ToLowerInvariant();
            var existing = await db.Set<DigestSubscription>()
                .Where(s => s.Channel == DigestChannels.Email && s.TargetKey == key && s.Status != SubscriptionStatus.Unsubscribed)
                .FirstOrDefaultAsync(cancellationToken);
            if (existing is { Status: SubscriptionStatus.Active or SubscriptionStatus.Paused })
            {
                // Already confirmed: change nothing (no one may alter a subscription without its mailbox) and say the same.
                return new SubscribeOutcome(SubscribeStatus.ConfirmationSent);
            }

            var subscription = existing ?? db.Set<DigestSubscription>().Add(new DigestSubscription
            {
                Channel = DigestChannels.Email,
                Target = request.Email.Trim(),
                TargetKey = key,
                Families = families,
                Language = language!,
                TimeZone = timeZone,
                Status = SubscriptionStatus.Pending,
                CreatedAt = now,
            }).Entity;
            subscription.Families = families;
            subscription.Language = language!;
            subscription.TimeZone = timeZone;
            await db.SaveChangesAsync(cancellationToken);
            return new SubscribeOutcome(SubscribeStatus.ConfirmationSent, ConfirmationFor: subscription.Id);
        }

        var secret = string.IsNullOrWhiteSpace(request.Secret)
            ? channel == DigestChannels.Json ? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) : null
            : request.Secret.Trim();
        var webhook = new DigestSubscription
        {
            Channel = channel!,
            Target = url!.AbsoluteUri,
            TargetKey = url.AbsoluteUri.ToLowerInvariant(),
            Families = families,
            Language = language!,
            TimeZone = timeZone,
            Status = SubscriptionStatus.Active,
            CreatedAt = now,
            ConfirmedAt = now,
            Secret = secret,
            OwnerEmail = string.IsNullOrWhiteSpace(request.OwnerEmail) ? null : request.OwnerEmail.Trim(),
        };
        try
        {
            await webhooks.SendTestAsync(webhook, cancellationToken);
        }
        catch (DigestSendException e)
        {
            return new SubscribeOutcome(SubscribeStatus.TestFailed, Errors: new Dictionary<string, string[]> { ["webhookUrl"] = [$"the test delivery failed: {e.Message}"] });
        }

        db.Set<DigestSubscription>().Add(webhook);
        await db.SaveChangesAsync(cancellationToken);
        // The generated secret is shown once, in this answer; a platform's own secret is never echoed.
        return new SubscribeOutcome(SubscribeStatus.Active, webhook.Id, channel == DigestChannels.Json && string.IsNullOrWhiteSpace(request.Secret) ? secret : null);
    }

    /// <summary>Mails the confirmation link of a pending email subscription (nothing else is ever sent before it is followed).</summary>
    public async Task SendConfirmationAsync(long subscriptionId, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var s = await db.Set<DigestSubscription>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == subscriptionId, cancellationToken);
        if (s is not { Status: SubscriptionStatus.Pending, Channel: DigestChannels.Email })
        {
            return;
        }

        var link = ConfirmUrl(await tokens.CreateAsync(DigestTokens.Confirm, s.Id, cancellationToken));
        var expires = clock.GetUtcNow().Add(options.Value.ConfirmationLifetime).ToString("yyyy-MM-dd HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        var text = DigestText.Format(s.Language, "ConfirmBody", link.AbsoluteUri, expires);
        var html = $"<p>{System.Net.WebUtility.HtmlEncode(DigestText.Format(s.Language, "ConfirmBody", "", expires)).Replace("\n", "<br>", StringComparison.Ordinal)}</p>"
            + $"<p><a href=\"{System.Net.WebUtility.HtmlEncode(link.AbsoluteUri)}\">{System.Net.WebUtility.HtmlEncode(DigestText.Get(s.Language, "ConfirmAction"))}</a></p>";
        await mailer.SendAsync(email.Compose(s.Target, DigestText.Get(s.Language, "ConfirmSubject"), text, html), cancellationToken);
    }

    public async Task<DigestSubscription?> FindByTokenAsync(string purpose, string? token, CancellationToken cancellationToken)
    {
        if (await tokens.VerifyAsync(purpose, token, cancellationToken) is not { } id)
        {
            return null;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<DigestSubscription>().AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
    }

    /// <summary>Follows a confirmation link: the subscription becomes active. False for a forged or expired token.</summary>
    public async Task<bool> ConfirmAsync(string? token, CancellationToken cancellationToken)
    {
        if (await tokens.VerifyAsync(DigestTokens.Confirm, token, cancellationToken) is not { } id)
        {
            return false;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Set<DigestSubscription>()
            .Where(s => s.Id == id && s.Status == SubscriptionStatus.Pending)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SubscriptionStatus.Active).SetProperty(s => s.ConfirmedAt, now), cancellationToken);
        return await db.Set<DigestSubscription>().AnyAsync(s => s.Id == id && s.Status == SubscriptionStatus.Active, cancellationToken);
    }

    /// <summary>One-click unsubscribe (RFC 8058). Idempotent; false only for a forged token.</summary>
    public async Task<bool> UnsubscribeAsync(string? token, CancellationToken cancellationToken)
    {
        if (await tokens.VerifyAsync(DigestTokens.Unsubscribe, token, cancellationToken) is not { } id)
        {
            return false;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Set<DigestSubscription>()
            .Where(s => s.Id == id && s.Status != SubscriptionStatus.Unsubscribed)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SubscriptionStatus.Unsubscribed).SetProperty(s => s.UnsubscribedAt, now), cancellationToken);
        return true;
    }

    public Uri ConfirmUrl(string token) => new(options.Value.PublicBaseUrl, "api/v1/subscriptions/confirm?token=" + Uri.EscapeDataString(token));

    public Uri UnsubscribeUrl(string token) => new(options.Value.PublicBaseUrl, "api/v1/subscriptions/unsubscribe?token=" + Uri.EscapeDataString(token));

    private static bool IsEmail(string text)
    {
        if (text.Length > 254 || !MailboxAddress.TryParse(text.Trim(), out var m) || m is null || !string.IsNullOrEmpty(m.Name))
        {
            return false;
        }

        var at = m.Address.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < m.Address.Length - 1 && !m.Address.Contains(' ', StringComparison.Ordinal);
    }
}
