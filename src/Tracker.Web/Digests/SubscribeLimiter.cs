using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Tracker.Web.Digests;

public sealed class SubscribeLimitOptions
{
    public const string SectionName = "Tracker:Digests:RateLimit";

    /// <summary>Subscription requests per client IP per window.</summary>
    public int PerIp { get; set; } = 10;

    /// <summary>Subscription requests per email address or webhook URL per window (a mailbox is not flooded with confirmations).</summary>
    public int PerAddress { get; set; } = 3;

    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Subscribe is limited per client IP (ASP.NET Core's rate limiter on the endpoint, and here for the form) and per
/// target address. Addresses are hashed before they key a partition, so the limiter holds no address in clear.
/// </summary>
public sealed class SubscribeLimiter : IDisposable
{
    public const string Policy = "subscribe";

    private readonly PartitionedRateLimiter<string> _perIp;
    private readonly PartitionedRateLimiter<string> _perAddress;

    public SubscribeLimiter(Microsoft.Extensions.Options.IOptions<SubscribeLimitOptions> options)
    {
        var o = options.Value;
        _perIp = Create(o.PerIp, o.Window);
        _perAddress = Create(o.PerAddress, o.Window);
    }

    public static string IpOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>For the form: both limits. (The API endpoint's IP limit is the middleware's.)</summary>
    public bool TryAcquire(string ip, string? address) => TryAcquireIp(ip) && TryAcquireAddress(address);

    public bool TryAcquireIp(string ip)
    {
        using var lease = _perIp.AttemptAcquire(ip);
        return lease.IsAcquired;
    }

    public bool TryAcquireAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return true;
        }

        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(address.Trim().ToLowerInvariant())));
        using var lease = _perAddress.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public static void AddPolicy(RateLimiterOptions options, SubscribeLimitOptions limits)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.AddPolicy(Policy, context => RateLimitPartition.GetFixedWindowLimiter(IpOf(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limits.PerIp,
            Window = limits.Window,
            QueueLimit = 0,
        }));
    }

    public void Dispose()
    {
        _perIp.Dispose();
        _perAddress.Dispose();
    }

    private static PartitionedRateLimiter<string> Create(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
        }));
}
