using System.Globalization;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Tracker.Core.Sources;

/// <summary>
/// How long a server asks us to wait. Hugging Face sends the IETF draft header
/// <c>RateLimit: "api";r=0;t=42</c> (https://huggingface.co/docs/hub/rate-limits); others send <c>Retry-After</c>.
/// </summary>
public static partial class RateLimitHeaders
{
    public static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.TryGetValues("RateLimit", out var values))
        {
            foreach (var value in values)
            {
                var match = ResetSeconds().Match(value);
                if (match.Success && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return TimeSpan.FromSeconds(seconds);
                }
            }
        }

        if (headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta)
            {
                return delta;
            }

            if (retryAfter.Date is { } date)
            {
                var wait = date - now;
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        return null;
    }

    [GeneratedRegex(@"(?:^|;)\s*t\s*=\s*(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ResetSeconds();
}
