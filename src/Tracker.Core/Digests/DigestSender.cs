using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
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
    IOptions<SmtpOptions> smtp,
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
        var parallelism = Math.Max(1, o.Parallelism);
        using var recorder = new SentRecorder(contexts, now.UtcDateTime);
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
            var fresh = candidates.Where(c => !ledger.ContainsKey((c.Subscription.Id, c.Week.ToString()))).ToList();
            var retries = candidates.Where(c => ledger.TryGetValue((c.Subscription.Id, c.Week.ToString()), out var row)
                && row.Status == DeliveryStatus.Retrying && row.NextAttemptAt <= now.UtcDateTime).ToList();
            due += candidates.Count;
            skipped += candidates.Count - fresh.Count - retries.Count;

            // Email and webhooks fan out separately (email through the SMTP pool's connections, webhooks through
            // Parallelism senders), so a slow SMTP server or a slow webhook never holds the other kind.
            var counts = await Task.WhenAll(
                FanOutAsync([.. fresh.Where(c => c.Subscription.Channel == DigestChannels.Email)], [.. retries.Where(c => c.Subscription.Channel == DigestChannels.Email)],
                    Math.Max(1, smtp.Value.PoolSize), now, digests, recorder, cancellationToken),
                FanOutAsync([.. fresh.Where(c => c.Subscription.Channel != DigestChannels.Email)], [.. retries.Where(c => c.Subscription.Channel != DigestChannels.Email)],
                    parallelism, now, digests, recorder, cancellationToken));
            foreach (var (s1, f1, r1, k1) in counts)
            {
                sent += s1;
                failed += f1;
                retrying += r1;
                skipped += k1;
            }
        }

        var result = new DigestRunResult(due, sent, failed, retrying, skipped);
        Log.Finished(logger, due, sent, failed, retrying, skipped);
        return result;
    }

    /// <summary>
    /// One claimer feeding <paramref name="senders"/> senders through a queue as long as the sender count: claims run at
    /// most one chunk ahead of sending, so a killed run leaves at most about twice that many claims unresolved.
    /// </summary>
    private async Task<(int Sent, int Failed, int Retrying, int Skipped)> FanOutAsync(
        List<(DigestSubscription Subscription, DigestWeek Week)> fresh, List<(DigestSubscription Subscription, DigestWeek Week)> retries, int senders,
        DateTimeOffset now, ConcurrentDictionary<(string, string, string), Lazy<Task<WeeklyDigest>>> digests, SentRecorder recorder, CancellationToken cancellationToken)
    {
        int sent = 0, failed = 0, retrying = 0, skipped = 0;
        if (fresh.Count == 0 && retries.Count == 0)
        {
            return (sent, failed, retrying, skipped);
        }

        using var page = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var queue = Channel.CreateBounded<(DigestSubscription Subscription, DigestWeek Week, DigestDelivery Delivery)>(senders);
        var claimer = Task.Run(async () =>
        {
            try
            {
                foreach (var chunk in fresh.Chunk(senders))
                {
                    foreach (var claimed in await ClaimBatchAsync(chunk, now.UtcDateTime, page.Token))
                    {
                        await queue.Writer.WriteAsync(claimed, page.Token);
                    }
                }

                foreach (var (subscription, week) in retries)
                {
                    if (await ClaimRetryAsync(subscription.Id, week.ToString(), now.UtcDateTime, page.Token) is { } delivery)
                    {
                        await queue.Writer.WriteAsync((subscription, week, delivery), page.Token);
                    }
                }
            }
            finally
            {
                queue.Writer.Complete();
            }
        }, page.Token);
        var workers = Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var (subscription, week, delivery) in queue.Reader.ReadAllAsync(page.Token))
                {
                    var outcome = await DeliverAsync(subscription, week, delivery, now, digests, recorder, cancellationToken);
                    _ = outcome switch
                    {
                        DeliveryStatus.Sent => Interlocked.Increment(ref sent),
                        DeliveryStatus.Failed => Interlocked.Increment(ref failed),
                        DeliveryStatus.Retrying => Interlocked.Increment(ref retrying),
                        _ => Interlocked.Increment(ref skipped),
                    };
                }
            }
            catch
            {
                // A sender that dies must not leave the claimer waiting on a full queue.
                await page.CancelAsync();
                throw;
            }
        }, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll([claimer, .. workers]);
        }
        finally
        {
            // Whatever was sent is recorded, even when the run is cancelled (a kill -9 leaves it to the lease: uncertain).
            await recorder.FlushAsync();
        }

        return (sent, failed, retrying, skipped);
    }

    private async Task<string?> DeliverAsync(
        DigestSubscription s, DigestWeek week, DigestDelivery delivery, DateTimeOffset now, ConcurrentDictionary<(string, string, string), Lazy<Task<WeeklyDigest>>> digests,
        SentRecorder recorder, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var weekName = week.ToString();

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
            catch (Exception e) when (e is DigestSendException || (e is not OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Anything a channel throws besides its own exception (an unparsable stored address…) is a final failure.
                var failure = e as DigestSendException ?? new DigestSendException(e.Message, transient: false, e);
                last = failure;
                Log.AttemptFailed(logger, s.Id, s.Channel, weekName, attempts, failure.Message);
                if (!failure.Transient)
                {
                    break;
                }

                if (attempts < o.AttemptsPerRun)
                {
                    await Task.Delay(o.RetryDelay * Math.Pow(2, attempts - 1), cancellationToken);
                }
            }
        }

        var total = delivery.Attempts + attempts;
        if (last is null)
        {
            // Marked sent in batches: a row sent but not yet marked when the process dies becomes "uncertain" and is not
            // re-sent, which is right — it was delivered once.
            await recorder.AddAsync(delivery.Id, total, s.ConsecutiveFailures > 0 ? s.Id : null);
            return DeliveryStatus.Sent;
        }

        // Outcomes are recorded with a token that is not the run's: a cancelled run has already sent what it sent.
        await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);

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

    /// <summary>
    /// Inserts the chunk's ledger rows in one statement; the unique key (subscription, week) makes a row another run
    /// claimed first come back absent, so only what this run claimed is sent.
    /// </summary>
    private async Task<List<(DigestSubscription, DigestWeek, DigestDelivery)>> ClaimBatchAsync(
        (DigestSubscription Subscription, DigestWeek Week)[] chunk, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var sql = new StringBuilder("INSERT INTO \"DigestDeliveries\" (\"SubscriptionId\", \"Week\", \"Status\", \"Attempts\", \"ClaimedAt\") VALUES ");
        var parameters = new List<object>();
        for (var i = 0; i < chunk.Length; i++)
        {
            sql.Append(i == 0 ? "" : ", ").Append(CultureInfo.InvariantCulture, $"({{{parameters.Count}}}, {{{parameters.Count + 1}}}, {{{parameters.Count + 2}}}, 0, {{{parameters.Count + 3}}})");
            parameters.AddRange([chunk[i].Subscription.Id, chunk[i].Week.ToString(), DeliveryStatus.Sending, now]);
        }

        sql.Append(" ON CONFLICT (\"SubscriptionId\", \"Week\") DO NOTHING RETURNING \"Id\", \"SubscriptionId\"");
        var claimed = await db.Database.SqlQueryRaw<ClaimedRow>(sql.ToString(), [.. parameters]).ToListAsync(cancellationToken);
        var bySubscription = claimed.ToDictionary(c => c.SubscriptionId, c => c.Id);
        return [.. chunk.Where(c => bySubscription.ContainsKey(c.Subscription.Id)).Select(c => (c.Subscription, c.Week, new DigestDelivery
        {
            Id = bySubscription[c.Subscription.Id],
            SubscriptionId = c.Subscription.Id,
            Week = c.Week.ToString(),
            Status = DeliveryStatus.Sending,
            ClaimedAt = now,
        }))];
    }

    /// <summary>Takes over a due retry atomically (only one run's update matches the row's attempt count).</summary>
    private async Task<DigestDelivery?> ClaimRetryAsync(long subscriptionId, string week, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var existing = await db.Set<DigestDelivery>().AsNoTracking().FirstOrDefaultAsync(d => d.SubscriptionId == subscriptionId && d.Week == week, cancellationToken);
        if (existing is null || existing.Status != DeliveryStatus.Retrying || existing.NextAttemptAt > now)
        {
            return null;
        }

        var taken = await db.Set<DigestDelivery>()
            .Where(d => d.Id == existing.Id && d.Status == DeliveryStatus.Retrying && d.Attempts == existing.Attempts)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Sending).SetProperty(d => d.ClaimedAt, now), cancellationToken);
        return taken == 1 ? existing : null;
    }

    private sealed record ClaimedRow(long Id, long SubscriptionId);

    /// <summary>Marks sent deliveries in batches of 64 (one UPDATE instead of one per message).</summary>
    private sealed class SentRecorder(IDbContextFactory<TrackerDbContext> contexts, DateTime sentAt) : IDisposable
    {
        private const int BatchSize = 64;
        private readonly ConcurrentQueue<(long Id, int Attempts, long? ResetSubscription)> _sent = new();
        private readonly SemaphoreSlim _gate = new(1, 1);

        public async Task AddAsync(long id, int attempts, long? resetSubscription)
        {
            _sent.Enqueue((id, attempts, resetSubscription));
            if (_sent.Count >= BatchSize && await _gate.WaitAsync(0))
            {
                try
                {
                    await FlushCoreAsync();
                }
                finally
                {
                    _gate.Release();
                }
            }
        }

        public async Task FlushAsync()
        {
            await _gate.WaitAsync();
            try
            {
                await FlushCoreAsync();
            }
            finally
            {
                _gate.Release();
            }
        }

        public void Dispose() => _gate.Dispose();

        private async Task FlushCoreAsync()
        {
            var batch = new List<(long Id, int Attempts, long? ResetSubscription)>();
            while (_sent.TryDequeue(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                return;
            }

            await using var db = await contexts.CreateDbContextAsync(CancellationToken.None);
            foreach (var group in batch.GroupBy(b => b.Attempts))
            {
                var ids = group.Select(g => g.Id).ToList();
                var attempts = group.Key;
                await db.Set<DigestDelivery>().Where(d => ids.Contains(d.Id)).ExecuteUpdateAsync(u => u
                    .SetProperty(d => d.Status, DeliveryStatus.Sent).SetProperty(d => d.SentAt, sentAt)
                    .SetProperty(d => d.Attempts, attempts).SetProperty(d => d.Error, (string?)null), CancellationToken.None);
            }

            var reset = batch.Where(b => b.ResetSubscription is not null).Select(b => b.ResetSubscription!.Value).ToList();
            if (reset.Count > 0)
            {
                await db.Set<DigestSubscription>().Where(x => reset.Contains(x.Id)).ExecuteUpdateAsync(u => u.SetProperty(x => x.ConsecutiveFailures, 0), CancellationToken.None);
            }
        }
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
