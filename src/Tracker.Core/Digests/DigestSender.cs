using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tracker.Core.Data;

namespace Tracker.Core.Digests;

public sealed record DigestRunResult(int Due, int Sent, int Failed, int Retrying, int Skipped);

/// <summary>
/// Sends the week to every subscription whose Monday 08:00 (local) has passed, exactly once: a ledger row keyed by
/// (subscription, week) is inserted before sending — the unique key is the claim — and marked sent after. A process that
/// dies between the two leaves the row "sending"; after the lease it becomes "uncertain" and is never re-sent
/// (at most once: a lost digest is better than a second copy in someone's inbox or channel).
/// </summary>
public sealed partial class DigestSender(
    IDbContextFactory<TrackerDbContext> contexts,
    DigestBuilder builder,
    DigestTokens tokens,
    SubscriptionService subscriptions,
    IEnumerable<IDigestChannel> channels,
    EmailChannel email,
    Mailer mailer,
    IOptions<DigestOptions> options,
    ILogger<DigestSender> logger)
{
    private static readonly TimeOnly DeliveryTime = new(8, 0);

    /// <summary>The week due to a subscriber at <paramref name="now"/>: last week, once this week's Monday 08:00 has passed in their zone.</summary>
    public static (DigestWeek Week, DateTimeOffset DueAt)? DueWeek(string timeZone, DateTimeOffset now)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var z) ? z : TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var today = DateOnly.FromDateTime(local.DateTime);
        var monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        var dueLocal = monday.ToDateTime(DeliveryTime);
        if (local.DateTime < dueLocal)
        {
            return null;
        }

        return (DigestWeek.Of(monday).Previous, new DateTimeOffset(dueLocal, zone.GetUtcOffset(dueLocal)));
    }

    public async Task<DigestRunResult> RunAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var o = options.Value;
        await ExpireStaleClaimsAsync(now, cancellationToken);

        // The archive's copies (all families, both languages) exist whether or not anyone subscribed.
        var archiveWeek = DigestWeek.LastComplete(now);
        foreach (var language in DigestText.Languages)
        {
            await builder.GetOrBuildAsync(archiveWeek, language, builder.NormalizeFamilies(null), cancellationToken);
        }

        var digests = new ConcurrentDictionary<(string, string, string), Lazy<Task<WeeklyDigest>>>();
        int due = 0, sent = 0, failed = 0, retrying = 0, skipped = 0;
        long after = 0;
        while (true)
        {
            // Keyset pages: memory holds one batch whatever the number of subscribers.
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            var page = await db.Set<DigestSubscription>().AsNoTracking()
                .Where(s => s.Status == SubscriptionStatus.Active && s.Id > after)
                .OrderBy(s => s.Id).Take(o.BatchSize)
                .ToListAsync(cancellationToken);
            if (page.Count == 0)
            {
                break;
            }

            after = page[^1].Id;
            var candidates = new List<(DigestSubscription Subscription, DigestWeek Week)>();
            foreach (var s in page)
            {
                if (DueWeek(s.TimeZone, now) is { } d && (s.ConfirmedAt ?? s.CreatedAt) <= d.DueAt.UtcDateTime)
                {
                    candidates.Add((s, d.Week));
                }
            }

            var ids = candidates.Select(c => c.Subscription.Id).ToList();
            var weeks = candidates.Select(c => c.Week.ToString()).Distinct().ToList();
            var ledger = await db.Set<DigestDelivery>().AsNoTracking()
                .Where(d => ids.Contains(d.SubscriptionId) && weeks.Contains(d.Week))
                .ToDictionaryAsync(d => (d.SubscriptionId, d.Week), cancellationToken);
            var work = candidates.Where(c => !ledger.TryGetValue((c.Subscription.Id, c.Week.ToString()), out var row)
                || (row.Status == DeliveryStatus.Retrying && row.NextAttemptAt <= now.UtcDateTime)).ToList();
            due += candidates.Count;
            skipped += candidates.Count - work.Count;

            await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, o.Parallelism), CancellationToken = cancellationToken },
                async (item, ct) =>
                {
                    var outcome = await DeliverAsync(item.Subscription, item.Week, now, digests, ct);
                    _ = outcome switch
                    {
                        DeliveryStatus.Sent => Interlocked.Increment(ref sent),
                        DeliveryStatus.Failed => Interlocked.Increment(ref failed),
                        DeliveryStatus.Retrying => Interlocked.Increment(ref retrying),
                        _ => Interlocked.Increment(ref skipped),
                    };
                });
        }

        var result = new DigestRunResult(due, sent, failed, retrying, skipped);
        Log.Finished(logger, due, sent, failed, retrying, skipped);
        return result;
    }

    private async Task<string?> DeliverAsync(
        DigestSubscription s, DigestWeek week, DateTimeOffset now, ConcurrentDictionary<(string, string, string), Lazy<Task<WeeklyDigest>>> digests, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var weekName = week.ToString();
        var claimedAt = now.UtcDateTime;
        var delivery = await ClaimAsync(s.Id, weekName, claimedAt, cancellationToken);
        if (delivery is null)
        {
            return null; // another run holds it, or it is done
        }

        var channel = channels.FirstOrDefault(c => c.CanSend(s.Channel));
        var families = builder.NormalizeFamilies(s.Families.Split(',', StringSplitOptions.RemoveEmptyEntries));
        var digest = await digests.GetOrAdd((weekName, s.Language, s.Families),
            _ => new Lazy<Task<WeeklyDigest>>(() => builder.GetOrBuildAsync(week, s.Language, families, CancellationToken.None))).Value;
        var unsubscribe = subscriptions.UnsubscribeUrl(await tokens.CreateAsync(DigestTokens.Unsubscribe, s.Id, cancellationToken));

        var attempts = 0;
        DigestSendException? last = null;
        while (attempts < o.AttemptsPerRun && delivery.Attempts + attempts < o.MaxAttempts)
        {
            attempts++;
            try
            {
                if (channel is null)
                {
                    throw new DigestSendException($"no channel handles '{s.Channel}'", transient: false);
                }

                await channel.SendAsync(s, digest, unsubscribe, cancellationToken);
                last = null;
                break;
            }
            catch (DigestSendException e)
            {
                last = e;
                Log.AttemptFailed(logger, s.Id, s.Channel, weekName, attempts, e.Message);
                if (!e.Transient)
                {
                    break;
                }

                if (attempts < o.AttemptsPerRun)
                {
                    await Task.Delay(o.RetryDelay * Math.Pow(2, attempts - 1), cancellationToken);
                }
            }
        }

        // Outcomes are recorded with a token that is not the run's: a cancelled run has already sent what it sent.
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
        var total = delivery.Attempts + attempts;
        if (last is null)
        {
            await db.Set<DigestDelivery>().Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(u => u
                .SetProperty(d => d.Status, DeliveryStatus.Sent).SetProperty(d => d.SentAt, now.UtcDateTime)
                .SetProperty(d => d.Attempts, total).SetProperty(d => d.Error, (string?)null), CancellationToken.None);
            if (s.ConsecutiveFailures > 0)
            {
                await db.Set<DigestSubscription>().Where(x => x.Id == s.Id).ExecuteUpdateAsync(u => u.SetProperty(x => x.ConsecutiveFailures, 0), CancellationToken.None);
            }

            return DeliveryStatus.Sent;
        }

        var error = Truncate(last.Message);
        if (last.Transient && total < o.MaxAttempts)
        {
            // Back off across runs too: the hourly tick picks it up once NextAttemptAt has passed.
            var next = now.UtcDateTime + o.RetryDelay * Math.Pow(2, total);
            await db.Set<DigestDelivery>().Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(u => u
                .SetProperty(d => d.Status, DeliveryStatus.Retrying).SetProperty(d => d.Attempts, total)
                .SetProperty(d => d.NextAttemptAt, next).SetProperty(d => d.Error, error), CancellationToken.None);
            return DeliveryStatus.Retrying;
        }

        await db.Set<DigestDelivery>().Where(d => d.Id == delivery.Id).ExecuteUpdateAsync(u => u
            .SetProperty(d => d.Status, DeliveryStatus.Failed).SetProperty(d => d.Attempts, total).SetProperty(d => d.Error, error), CancellationToken.None);
        var failures = s.ConsecutiveFailures + 1;
        var pause = s.Channel != DigestChannels.Email && failures >= o.PauseAfterFailures;
        await db.Set<DigestSubscription>().Where(x => x.Id == s.Id).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.ConsecutiveFailures, failures).SetProperty(x => x.LastError, error)
            .SetProperty(x => x.Status, pause ? SubscriptionStatus.Paused : s.Status)
            .SetProperty(x => x.PausedAt, pause ? now.UtcDateTime : s.PausedAt), CancellationToken.None);
        if (pause)
        {
            Log.Paused(logger, s.Id, s.Channel, failures);
            await TellOwnerAsync(s, failures, error);
        }

        return DeliveryStatus.Failed;
    }

    /// <summary>Inserts the ledger row (the unique key makes a second claim fail), or takes over a due retry atomically.</summary>
    private async Task<DigestDelivery?> ClaimAsync(long subscriptionId, string week, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<DigestDelivery>().AsNoTracking().FirstOrDefaultAsync(d => d.SubscriptionId == subscriptionId && d.Week == week, cancellationToken);
        if (existing is null)
        {
            var row = new DigestDelivery { SubscriptionId = subscriptionId, Week = week, Status = DeliveryStatus.Sending, ClaimedAt = now };
            db.Set<DigestDelivery>().Add(row);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                return row;
            }
            catch (DbUpdateException)
            {
                return null;
            }
        }

        if (existing.Status != DeliveryStatus.Retrying || existing.NextAttemptAt > now)
        {
            return null;
        }

        var taken = await db.Set<DigestDelivery>()
            .Where(d => d.Id == existing.Id && d.Status == DeliveryStatus.Retrying && d.Attempts == existing.Attempts)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Sending).SetProperty(d => d.ClaimedAt, now), cancellationToken);
        return taken == 1 ? existing : null;
    }

    /// <summary>Claims whose run died mid-send: the message may have left, so they are marked uncertain, not re-sent.</summary>
    private async Task ExpireStaleClaimsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var before = now.UtcDateTime - options.Value.ClaimLease;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var n = await db.Set<DigestDelivery>()
            .Where(d => d.Status == DeliveryStatus.Sending && d.ClaimedAt < before)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Uncertain)
                .SetProperty(d => d.Error, "the sending run stopped before recording the outcome; not re-sent (at most once)"), cancellationToken);
        if (n > 0)
        {
            Log.Uncertain(logger, n);
        }
    }

    private async Task TellOwnerAsync(DigestSubscription s, int failures, string error)
    {
        if (s.OwnerEmail is not { } owner || !mailer.Configured)
        {
            return;
        }

        try
        {
            var text = DigestText.Format(s.Language, "PausedBody", s.Channel, failures, error);
            await mailer.SendAsync(email.Compose(owner, DigestText.Get(s.Language, "PausedSubject"), text, null), CancellationToken.None);
        }
        catch (DigestSendException e)
        {
            Log.OwnerNotTold(logger, s.Id, e.Message);
        }
    }

    private static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Digest run: {Due} due, {Sent} sent, {Failed} failed, {Retrying} to retry, {Skipped} skipped")]
        public static partial void Finished(ILogger logger, int due, int sent, int failed, int retrying, int skipped);

        [LoggerMessage(2, LogLevel.Warning, "Digest to subscription {SubscriptionId} ({Channel}) for {Week}: attempt {Attempt} failed: {Error}")]
        public static partial void AttemptFailed(ILogger logger, long subscriptionId, string channel, string week, int attempt, string error);

        [LoggerMessage(3, LogLevel.Warning, "Subscription {SubscriptionId} ({Channel}) paused after {Failures} failed deliveries in a row")]
        public static partial void Paused(ILogger logger, long subscriptionId, string channel, int failures);

        [LoggerMessage(4, LogLevel.Warning, "{Count} digest deliveries were claimed by a run that stopped; marked uncertain, not re-sent")]
        public static partial void Uncertain(ILogger logger, int count);

        [LoggerMessage(5, LogLevel.Warning, "Could not tell the owner of subscription {SubscriptionId} it was paused: {Error}")]
        public static partial void OwnerNotTold(ILogger logger, long subscriptionId, string error);
    }
}
