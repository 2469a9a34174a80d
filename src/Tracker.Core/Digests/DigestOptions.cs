using MailKit.Security;

namespace Tracker.Core.Digests;

public sealed class DigestOptions
{
    public const string SectionName = "Tracker:Digests";

    /// <summary>Where Tracker is reachable from outside: links in digests (confirm, unsubscribe, archive) start here.</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:5080/");

    /// <summary>Token signing key (base64, at least 32 bytes). When absent one is generated and kept in the database.</summary>
    public string? SigningKey { get; set; }

    /// <summary>How long an email confirmation link stays valid.</summary>
    public TimeSpan ConfirmationLifetime { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Webhook hosts (exact names) or address ranges (CIDR) allowed even though they are private or loopback.</summary>
    public List<string> AllowedWebhookHosts { get; set; } = [];

    /// <summary>Attempts within one run before a delivery waits for the next tick.</summary>
    public int AttemptsPerRun { get; set; } = 3;

    /// <summary>Attempts in all before a delivery is recorded failed.</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First retry delay within a run; doubled each time.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A webhook is paused after this many failed weeks in a row.</summary>
    public int PauseAfterFailures { get; set; } = 3;

    /// <summary>Subscriptions read per batch.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>Deliveries in flight at once, so one slow channel does not hold the rest.</summary>
    public int Parallelism { get; set; } = 16;

    /// <summary>Timeout of one webhook request.</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A claim older than this whose run died is marked uncertain (never re-sent).</summary>
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(15);
}

public sealed class SmtpOptions
{
    public const string SectionName = "Tracker:Smtp";

    /// <summary>No host: email subscriptions are refused and nothing is mailed.</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    /// <summary>MailKit's SecureSocketOptions: None, Auto, SslOnConnect, StartTls, StartTlsWhenAvailable.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? User { get; set; }
    public string? Password { get; set; }

    /// <summary>The From address, e.g. <c>Tracker &lt;digest@example.org&gt;</c>.</summary>
    public string Sender { get; set; } = "Tracker <tracker@localhost>";

    /// <summary>Open SMTP connections kept for reuse while a week is sent.</summary>
    public int PoolSize { get; set; } = 4;

    public override string ToString() => $"{Host}:{Port} ({Security}) as {User ?? "anonymous"}"; // never the password
}

/// <summary>ISO 8601 weeks: the unit of the ledger and the archive ("2026-W47").</summary>
public readonly record struct DigestWeek(int Year, int Number)
{
    public DateOnly Monday => DateOnly.FromDateTime(System.Globalization.ISOWeek.ToDateTime(Year, Number, DayOfWeek.Monday));
    public DateOnly Sunday => Monday.AddDays(6);
    public DigestWeek Previous => Of(Monday.AddDays(-7));
    public DigestWeek Next => Of(Monday.AddDays(7));

    public static DigestWeek Of(DateOnly day)
    {
        var dt = day.ToDateTime(TimeOnly.MinValue);
        return new DigestWeek(System.Globalization.ISOWeek.GetYear(dt), System.Globalization.ISOWeek.GetWeekOfYear(dt));
    }

    /// <summary>The newest complete week at <paramref name="now"/> (UTC days).</summary>
    public static DigestWeek LastComplete(DateTimeOffset now) => Of(DateOnly.FromDateTime(now.UtcDateTime)).Previous;

    public static bool TryParse(string? text, out DigestWeek week)
    {
        week = default;
        if (text is null || text.Length is < 7 or > 8 || text[4] is not '-' || char.ToUpperInvariant(text[5]) != 'W'
            || !int.TryParse(text.AsSpan(0, 4), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var year)
            || !int.TryParse(text.AsSpan(6), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number)
            || year is < 2000 or > 9999 || number < 1 || number > System.Globalization.ISOWeek.GetWeeksInYear(year))
        {
            return false;
        }

        week = new DigestWeek(year, number);
        return true;
    }

    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Year:D4}-W{Number:D2}");
}
