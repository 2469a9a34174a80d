using Microsoft.EntityFrameworkCore;

namespace Tracker.Core.Stats;

/// <summary>A model's gain in all-time downloads over a period, from its snapshots.</summary>
public sealed record ModelMover(string Source, string RepoId, long Gain, long? DownloadsAllTime, bool CounterDecreased);

public sealed partial class TrackerQueries
{
    /// <summary>
    /// The models whose all-time downloads grew most between the end of the day before <paramref name="from"/> and
    /// <paramref name="to"/>: each model's newest snapshot up to each bound. A model without a snapshot before the period
    /// counts from its first one in it; a counter that went down is a loss, flagged, never a mover.
    /// </summary>
    public async Task<IReadOnlyList<ModelMover>> GetTopMoversAsync(string familyId, DateOnly from, DateOnly to, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var before = from.AddDays(-1);
        // Seven days back from the period's start is enough to find a baseline through a short collection gap.
        var horizon = from.AddDays(-8);
        var rows = await (from s in db.Snapshots.AsNoTracking()
                          join m in db.Models.AsNoTracking() on s.ModelId equals m.Id
                          where m.FamilyId == familyId && s.Day >= horizon && s.Day <= to && s.DownloadsAllTime != null
                          select new { m.Id, m.Source, m.RepoId, s.Day, s.DownloadsAllTime, s.AllTimeDecreased })
            .ToListAsync(cancellationToken);
        var movers = new List<ModelMover>();
        foreach (var model in rows.GroupBy(r => r.Id))
        {
            var start = model.Where(r => r.Day <= before).MaxBy(r => r.Day) ?? model.Where(r => r.Day >= from).MinBy(r => r.Day);
            var end = model.Where(r => r.Day <= to).MaxBy(r => r.Day);
            if (start is null || end is null)
            {
                continue;
            }

            var gain = end.DownloadsAllTime!.Value - start.DownloadsAllTime!.Value;
            var decreased = model.Any(r => r.Day >= from && r.AllTimeDecreased);
            if (gain > 0)
            {
                movers.Add(new ModelMover(end.Source, end.RepoId, gain, end.DownloadsAllTime, decreased));
            }
        }

        return [.. movers.OrderByDescending(m => m.Gain).ThenBy(m => m.RepoId, StringComparer.Ordinal).Take(limit)];
    }
}

/// <summary>Digest delivery health: subscriptions by status, the newest week's deliveries by status, and what failed.</summary>
public sealed record DigestStatus(
    IReadOnlyDictionary<string, int> Subscriptions,
    string? Week,
    IReadOnlyDictionary<string, int> Deliveries,
    IReadOnlyList<DigestFailure> Failures);

public sealed record DigestFailure(long SubscriptionId, string Channel, string Week, string Status, int Attempts, string? Error);

public sealed partial class TrackerQueries
{
    public async Task<DigestStatus> GetDigestStatusAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var subscriptions = await db.Set<Digests.DigestSubscription>().AsNoTracking()
            .GroupBy(s => s.Status).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        var week = await db.Set<Digests.DigestDelivery>().AsNoTracking().MaxAsync(d => (string?)d.Week, cancellationToken);
        var deliveries = week is null ? [] : await db.Set<Digests.DigestDelivery>().AsNoTracking()
            .Where(d => d.Week == week).GroupBy(d => d.Status).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        var failures = await (from d in db.Set<Digests.DigestDelivery>().AsNoTracking()
                              join s in db.Set<Digests.DigestSubscription>().AsNoTracking() on d.SubscriptionId equals s.Id
                              where d.Status == Digests.DeliveryStatus.Failed || d.Status == Digests.DeliveryStatus.Retrying || d.Status == Digests.DeliveryStatus.Uncertain
                              orderby d.Id descending
                              select new DigestFailure(s.Id, s.Channel, d.Week, d.Status, d.Attempts, d.Error))
            .Take(50).ToListAsync(cancellationToken);
        return new DigestStatus(subscriptions, week, deliveries, failures);
    }

    /// <summary>Claim verdicts that changed (or were first given) between two days, oldest first.</summary>
    public async Task<IReadOnlyList<Digests.ClaimChange>> GetVerdictChangesAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<Claims.ClaimVerdictChange>().AsNoTracking()
            .Where(c => c.Day >= from && c.Day <= to)
            .OrderBy(c => c.Day).ThenBy(c => c.ClaimId)
            .Select(c => new Digests.ClaimChange(c.ClaimId, c.Day, c.FromVerdict, c.Verdict))
            .ToListAsync(cancellationToken);
    }
}
