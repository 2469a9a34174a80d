using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Tracker.Core.Digests;

/// <summary>A way of delivering the digest. Email and the webhook formats are the two implementations.</summary>
public interface IDigestChannel
{
    bool CanSend(string channel);

    /// <summary>Sends the digest; throws <see cref="DigestSendException"/> saying whether trying again may help.</summary>
    Task SendAsync(DigestSubscription subscription, WeeklyDigest digest, Uri unsubscribe, CancellationToken cancellationToken);
}

public sealed class DigestSendException : Exception
{
    public DigestSendException()
    {
    }

    public DigestSendException(string message)
        : base(message)
    {
    }

    public DigestSendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DigestSendException(string message, bool transient, Exception? innerException = null)
        : base(message, innerException)
    {
        Transient = transient;
    }

    /// <summary>A timeout, a refused connection, a 5xx or 429, an SMTP 4xx: worth another attempt later.</summary>
    public bool Transient { get; }
}

/// <summary>
/// SMTP through MailKit, with a few connections kept open while a week is sent (connecting per message would cost
/// a TLS handshake and a login each time).
/// </summary>
public sealed class Mailer(IOptions<SmtpOptions> options) : IAsyncDisposable
{
    private readonly ConcurrentBag<SmtpClient> _idle = [];
    private SemaphoreSlim? _slots;

    public bool Configured => !string.IsNullOrWhiteSpace(options.Value.Host);

    public MailboxAddress Sender => MailboxAddress.Parse(options.Value.Sender);

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var o = options.Value;
        if (!Configured)
        {
            throw new DigestSendException("Tracker:Smtp:Host is not set", transient: false);
        }

        var slots = LazyInitializer.EnsureInitialized(ref _slots, () => new SemaphoreSlim(Math.Max(1, o.PoolSize)));
        await slots.WaitAsync(cancellationToken);
        SmtpClient? client = null;
        try
        {
            if (!_idle.TryTake(out client) || !client.IsConnected)
            {
                client?.Dispose();
                client = new SmtpClient { Timeout = 30_000 };
                await client.ConnectAsync(o.Host!, o.Port, o.Security, cancellationToken);
                if (!string.IsNullOrEmpty(o.User))
                {
                    await client.AuthenticateAsync(o.User, o.Password ?? "", cancellationToken);
                }
            }

            await client.SendAsync(message, cancellationToken);
            _idle.Add(client);
            client = null;
        }
        catch (SmtpCommandException e)
        {
            // 4xx is a temporary refusal (greylisting, a full queue); 5xx is final.
            throw new DigestSendException($"SMTP {(int)e.StatusCode}: {e.Message}", transient: (int)e.StatusCode < 500, e);
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException)
        {
            throw new DigestSendException($"SMTP: {e.Message}", transient: true, e);
        }
        finally
        {
            client?.Dispose();
            slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        while (_idle.TryTake(out var client))
        {
            try
            {
                if (client.IsConnected)
                {
                    await client.DisconnectAsync(true);
                }
            }
            catch (IOException)
            {
                // Closing a connection the server already dropped.
            }

            client.Dispose();
        }

        _slots?.Dispose();
    }
}

public sealed class EmailChannel(Mailer mailer, DigestRenderer renderer) : IDigestChannel
{
    public bool CanSend(string channel) => channel == DigestChannels.Email;

    public Task SendAsync(DigestSubscription subscription, WeeklyDigest digest, Uri unsubscribe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var content = renderer.Email(digest, unsubscribe);
        var message = Compose(subscription.Target, content.Subject, content.Text, content.Html);
        // RFC 8058 one-click: the POST endpoint unsubscribes with no further step. (DKIM signing of these headers is the MTA's job.)
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe.AbsoluteUri}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        message.Headers.Add("List-Id", $"Tracker weekly digest <digest.{renderer.BaseUrl.Host}>");
        return mailer.SendAsync(message, cancellationToken);
    }

    public MimeMessage Compose(string to, string subject, string text, string? html)
    {
        var message = new MimeMessage();
        message.From.Add(mailer.Sender);
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.Headers.Add("Auto-Submitted", "auto-generated");
        var body = new BodyBuilder { TextBody = text, HtmlBody = html };
        message.Body = body.ToMessageBody();
        return message;
    }
}

/// <summary>Generic JSON, Slack, Feishu/Lark, DingTalk and WeCom webhooks, each in its own format and signing scheme.</summary>
public sealed class WebhookChannel(IHttpClientFactory clients, DigestRenderer renderer, TimeProvider clock) : IDigestChannel
{
    public const string HttpClientName = "tracker-digest-webhooks";

    public bool CanSend(string channel) => DigestChannels.Webhooks.Contains(channel);

    public Task SendAsync(DigestSubscription subscription, WeeklyDigest digest, Uri unsubscribe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return PostAsync(subscription, renderer.Webhook(subscription.Channel, digest, unsubscribe), "weekly-digest", digest.Week, cancellationToken);
    }

    public Task SendTestAsync(DigestSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return PostAsync(subscription, DigestRenderer.TestMessage(subscription.Channel, subscription.Language, subscription.TimeZone), "test", "test", cancellationToken);
    }

    private async Task PostAsync(DigestSubscription subscription, JsonObject payload, string @event, string deliveryId, CancellationToken cancellationToken)
    {
        var url = new Uri(subscription.Target);
        var secret = subscription.Secret;
        var now = clock.GetUtcNow();
        if (subscription.Channel == DigestChannels.Feishu && !string.IsNullOrEmpty(secret))
        {
            // https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot: sign = base64(HMAC-SHA256(key: timestamp + "\n" + secret, data: empty)).
            var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            payload["timestamp"] = timestamp;
            payload["sign"] = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(timestamp + "\n" + secret), Array.Empty<byte>()));
        }
        else if (subscription.Channel == DigestChannels.DingTalk && !string.IsNullOrEmpty(secret))
        {
            // https://open.dingtalk.com/document/robots/customize-robot-security-settings: timestamp (ms) and
            // sign = urlencode(base64(HMAC-SHA256(key: secret, data: timestamp + "\n" + secret))) as query parameters.
            var timestamp = now.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            var sign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(timestamp + "\n" + secret)));
            url = new Uri(url.AbsoluteUri + (string.IsNullOrEmpty(url.Query) ? "?" : "&") + "timestamp=" + timestamp + "&sign=" + Uri.EscapeDataString(sign));
        }

        var body = DigestRenderer.Serialize(payload);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.UserAgent.ParseAdd("Tracker-Digest/1.0");
        request.Headers.Add("X-Tracker-Event", @event);
        request.Headers.Add("X-Tracker-Delivery", deliveryId);
        if (subscription.Channel is DigestChannels.Json or DigestChannels.Slack && !string.IsNullOrEmpty(secret))
        {
            // Miniflux/GitHub style: the receiver recomputes HMAC-SHA256 of the raw body with its secret.
            request.Headers.Add("X-Tracker-Signature", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body))));
        }

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e) when (e.InnerException is WebhookRefusedException refused)
        {
            throw new DigestSendException(refused.Message, transient: false, e);
        }
        catch (HttpRequestException e)
        {
            throw new DigestSendException($"webhook: {e.Message}", transient: true, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DigestSendException("webhook: timed out", transient: true, e);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var transient = (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
                throw new DigestSendException($"webhook answered {(int)response.StatusCode}", transient);
            }

            // Feishu, DingTalk and WeCom answer 200 with an error code in the body when they refuse a message.
            if (subscription.Channel is DigestChannels.Feishu or DigestChannels.DingTalk or DigestChannels.WeCom && PlatformError(text) is { } error)
            {
                throw new DigestSendException($"webhook refused the message: {error}", transient: false);
            }
        }
    }

    private static string? PlatformError(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject o)
            {
                return null;
            }

            var code = o["errcode"] ?? o["code"] ?? o["StatusCode"];
            return code is JsonValue v && v.TryGetValue<long>(out var n) && n != 0
                ? string.Create(CultureInfo.InvariantCulture, $"{n} {o["errmsg"] ?? o["msg"]}")
                : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
