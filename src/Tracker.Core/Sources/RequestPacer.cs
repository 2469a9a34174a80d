using System.Globalization;
using System.Net;

namespace Tracker.Core.Sources;

/// <summary>A host's request budget: at most <see cref="Requests"/> per <see cref="Window"/>.</summary>
public sealed class PacingBudget
{
    public int Requests { get; set; }
    public TimeSpan Window { get; set; }

    /// <summary>Longer than this to wait for a permit and the work is deferred instead (<see cref="SourceDeferredException"/>).</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(6);
}

/// <summary>
/// Paces one host's requests inside its budget, so that a day's collection never meets a 429: a sliding log of send
/// times allows at most N requests in any window, and the host's own headers (<c>RateLimit: …;r=;t=</c>,
/// <c>x-ratelimit-remaining</c>/<c>x-ratelimit-reset</c>) pause it early when the server counts differently.
/// One pacer per host, shared by every request to it.
/// </summary>
public sealed class RequestPacer(string host, PacingBudget budget, TimeProvider clock) : IDisposable
{
    private readonly Queue<DateTimeOffset> _sent = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _pauseLock = new();
    private DateTimeOffset _pausedUntil = DateTimeOffset.MinValue;
    private long _requests;

    public string Host => host;
    public PacingBudget Budget => budget;

    /// <summary>Requests let through since start.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Waits for a permit. Throws <see cref="SourceDeferredException"/> when the wait would exceed the budget's MaxWait.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            DateTimeOffset until;
            lock (_pauseLock)
            {
                until = _pausedUntil;
            }

            while (_sent.Count > 0 && _sent.Peek() <= now - budget.Window)
            {
                _sent.Dequeue();
            }

            if (_sent.Count >= budget.Requests)
            {
                var free = _sent.ElementAt(_sent.Count - budget.Requests) + budget.Window;
                until = free > until ? free : until;
            }

            var wait = until - now;
            if (wait > budget.MaxWait)
            {
                throw new SourceDeferredException($"{host}: request budget ({budget.Requests} per {budget.Window}) spent until {until:O}", until.UtcDateTime);
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, clock, cancellationToken);
            }

            _sent.Enqueue(clock.GetUtcNow());
            Interlocked.Increment(ref _requests);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the host's rate-limit headers: when it says nothing is left, nothing is sent until its reset.</summary>
    public void Observe(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var now = clock.GetUtcNow();
        DateTimeOffset? pause = null;
        if (response.Headers.TryGetValues("RateLimit", out var values))
        {
            // Hugging Face: "api";r=<remaining>;t=<seconds to reset>
            foreach (var value in values)
            {
                var r = Field(value, "r");
                var t = Field(value, "t");
                if (r is <= 0 && t is { } seconds)
                {
                    pause = now + TimeSpan.FromSeconds(seconds);
                }
            }
        }

        if (response.Headers.TryGetValues("x-ratelimit-remaining", out var remaining)
            && long.TryParse(remaining.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var left) && left <= 0
            && response.Headers.TryGetValues("x-ratelimit-reset", out var reset)
            && long.TryParse(reset.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
        {
            // GitHub: remaining 0 until the epoch second in x-ratelimit-reset.
            pause = DateTimeOffset.FromUnixTimeSeconds(epoch);
        }

        if (response.StatusCode == HttpStatusCode.TooManyRequests && RateLimitHeaders.RetryAfter(response.Headers, now) is { } after)
        {
            pause = now + after;
        }

        if (pause is { } p)
        {
            lock (_pauseLock)
            {
                if (p > _pausedUntil)
                {
                    _pausedUntil = p;
                }
            }
        }
    }

    public void Dispose() => _gate.Dispose();

    private static long? Field(string header, string name)
    {
        foreach (var part in header.Split(';'))
        {
            var kv = part.Split('=', 2);
            if (kv.Length == 2 && kv[0].Trim() == name && long.TryParse(kv[1].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
            {
                return v;
            }
        }

        return null;
    }
}

/// <summary>Sits inside a source client's retry loop: every attempt waits for its host's pacer and reports the answer's headers.</summary>
public sealed class PacingHandler(RequestPacer pacer) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await pacer.WaitAsync(cancellationToken);
        var response = await base.SendAsync(request, cancellationToken);
        pacer.Observe(response);
        return response;
    }
}

/// <summary>The host's budget is spent for longer than it is worth waiting: the work resumes after <see cref="Until"/>.</summary>
public class SourceDeferredException : SourceException
{
    public SourceDeferredException()
    {
    }

    public SourceDeferredException(string message)
        : base(message)
    {
    }

    public SourceDeferredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SourceDeferredException(string message, DateTime until)
        : base(message) => Until = until;

    public DateTime Until { get; init; }
}
