using System.Buffers.Text;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Hangfire;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Tracker.Core.Collecting;

namespace Tracker.Web.Api;

/// <summary>Marks an endpoint whose answer changes without a collection (status, ping): never output-cached, always revalidated.</summary>
internal sealed class LiveDataMetadata
{
    public static readonly LiveDataMetadata Instance = new();
}

/// <summary>
/// HTTP around /api and /badges: compression, CORS for GET, per-client token buckets, the output cache (evicted when
/// data commits, in this process or, through <see cref="DataVersionPoller"/>, in another), strong ETags from the body
/// with 304s, and a Cache-Control that lasts until the next collection.
/// </summary>
internal static partial class ApiHttp
{
    public const string CorsPolicy = "public-get";
    public const string DataTag = "tracker-data";
    public const string ApiKeyHeader = "X-Api-Key";

    public static WebApplicationBuilder AddTrackerApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ApiRateLimiter>();
        services.AddSingleton<NextCollection>();
        // Commits by other processes evict the output cache too, within a poll interval.
        services.AddHostedService<DataVersionPoller>();
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true; // the bodies are public data, nothing secret to leak through BREACH
            o.Providers.Add<BrotliCompressionProvider>();
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "application/problem+json", "text/csv", "image/svg+xml"];
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.AddCors(o => o.AddPolicy(CorsPolicy, p => p.AllowAnyOrigin().WithMethods("GET", "HEAD")
            .WithHeaders(ApiKeyHeader, "If-None-Match", "Accept")
            .WithExposedHeaders("ETag", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining")));
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>().Configure<ApiRateLimiter, IOptions<ApiOptions>>((o, limiter, api) =>
        {
            if (api.Value.RateLimiting)
            {
                o.GlobalLimiter = limiter.Limiter;
            }

            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (rejected, _) => limiter.RejectAsync(rejected);
        });
        services.AddOutputCache();
        services.AddOptions<OutputCacheOptions>().Configure<DataVersion, IOptions<ApiOptions>>((o, version, api) =>
            o.AddBasePolicy(p => p
                .With(c => c.HttpContext.GetEndpoint()?.Metadata.GetMetadata<LiveDataMetadata>() is null)
                .Tag(DataTag)
                // The data version is part of the key: an entry made before a collection committed is never served after it.
                .VaryByValue(_ => new("data", version.Current.ToString(CultureInfo.InvariantCulture)))
                .SetVaryByHeader(HeaderNames.Accept)
                .Expire(api.Value.OutputCacheDuration)));
        services.AddApiDocument();
        return builder;
    }

    public static WebApplication UseTrackerApi(this WebApplication app)
    {
        var version = app.Services.GetRequiredService<DataVersion>();
        var store = app.Services.GetRequiredService<IOutputCacheStore>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiHttp).FullName!);
        version.Changed += v => _ = EvictAsync(store, logger, v);

        app.UseWhen(c => IsPublic(c.Request.Path), api =>
        {
            api.UseMiddleware<EncodedETagMiddleware>();
            api.UseResponseCompression();
            api.UseCors(CorsPolicy);
            // Once, for every public path: the per-client buckets (when on) and endpoint policies such as subscribing's.
            api.UseRateLimiter();
            if (app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.RateLimiting)
            {
                api.Use(app.Services.GetRequiredService<ApiRateLimiter>().AddHeaders);
            }

            api.Use(CacheHeaders);
            api.UseOutputCache();
            api.UseMiddleware<StrongETagMiddleware>();
        });
        return app;
    }

    public static bool IsPublic(PathString path) =>
        path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/badges", StringComparison.OrdinalIgnoreCase);

    private static async Task EvictAsync(IOutputCacheStore store, ILogger logger, long version)
    {
        try
        {
            await store.EvictByTagAsync(DataTag, CancellationToken.None);
            Log.Evicted(logger, version);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The version in the cache key already hides the old entries; eviction only frees their memory.
            Log.EvictionFailed(logger, e, version);
        }
    }

    /// <summary>Successful answers may be kept until the next scheduled collection (capped); live ones are always revalidated.</summary>
    private static Task CacheHeaders(HttpContext context, RequestDelegate next)
    {
        context.Response.OnStarting(() =>
        {
            var response = context.Response;
            response.Headers.Append(HeaderNames.Vary, HeaderNames.Accept);
            if (response.StatusCode is not (StatusCodes.Status200OK or StatusCodes.Status304NotModified))
            {
                return Task.CompletedTask;
            }

            if (context.GetEndpoint()?.Metadata.GetMetadata<LiveDataMetadata>() is not null)
            {
                response.Headers.CacheControl = "no-cache";
                return Task.CompletedTask;
            }

            var maxAge = context.RequestServices.GetRequiredService<NextCollection>().MaxAge();
            response.Headers.CacheControl = string.Create(CultureInfo.InvariantCulture, $"public, max-age={(long)maxAge.TotalSeconds}");
            return Task.CompletedTask;
        });
        return next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Data version {Version}: API output cache evicted")]
        public static partial void Evicted(ILogger logger, long version);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Data version {Version}: evicting the API output cache failed")]
        public static partial void EvictionFailed(ILogger logger, Exception exception, long version);
    }
}

/// <summary>Seconds until the <c>collect</c> job runs next, read from Hangfire at most every 30 s.</summary>
internal sealed class NextCollection(JobStorage storage, TimeProvider clock, IOptions<ApiOptions> options)
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private (DateTimeOffset ReadAt, DateTime? Next) _cached = (DateTimeOffset.MinValue, null);

    public TimeSpan MaxAge()
    {
        var now = clock.GetUtcNow();
        var cached = _cached;
        if (now - cached.ReadAt > Refresh)
        {
            cached = (now, StatusApi.NextRun(storage));
            _cached = cached;
        }

        var cap = options.Value.MaxAge;
        if (cached.Next is not { } next)
        {
            return cap;
        }

        var left = DateTime.SpecifyKind(next, DateTimeKind.Utc) - now.UtcDateTime;
        return left < TimeSpan.Zero ? TimeSpan.Zero : left > cap ? cap : left;
    }
}

/// <summary>
/// A strong ETag is the SHA-256 of the body (its first 128 bits), so equal bodies have equal tags whichever process made
/// them; a matching <c>If-None-Match</c> gets 304. Runs inside the output cache, which keeps the tag with the entry
/// and answers revalidations itself on a hit.
/// </summary>
internal sealed class StrongETagMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        var response = context.Response;
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            response.Body = original;
        }

        if (response.StatusCode == StatusCodes.Status200OK && !response.Headers.ContainsKey(HeaderNames.ETag))
        {
            var hash = SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
            var etag = "\"" + Base64Url.EncodeToString(hash.AsSpan(0, 16)) + "\"";
            response.Headers.ETag = etag;
            if (ETags.Matches(context.Request.Headers.IfNoneMatch, etag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                response.ContentLength = null;
                response.Headers.ContentType = default;
                return;
            }
        }

        response.ContentLength = buffer.Length;
        if (buffer.Length > 0 && !HttpMethods.IsHead(context.Request.Method))
        {
            buffer.Position = 0;
            await buffer.CopyToAsync(original, context.RequestAborted);
        }
    }
}

/// <summary>
/// A compressed body is a different representation, so its strong tag must differ (RFC 9110 §8.8.3): the tag goes out
/// as <c>"hash-br"</c> / <c>"hash-gzip"</c>, and a returning <c>If-None-Match</c> has the suffix taken off before the
/// cache and the ETag middleware compare it (the encoding is negotiated again anyway).
/// </summary>
internal sealed class EncodedETagMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var ifNoneMatch = context.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0)
        {
            context.Request.Headers.IfNoneMatch = ETags.StripEncoding(ifNoneMatch.ToString());
        }

        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            var encoding = headers.ContentEncoding.ToString();
            var etag = headers.ETag.ToString();
            if (encoding.Length > 0 && etag.Length > 2 && etag[0] == '"')
            {
                headers.ETag = etag[..^1] + "-" + encoding + "\"";
            }

            return Task.CompletedTask;
        });
        return next(context);
    }
}

internal static class ETags
{
    /// <summary>If-None-Match uses the weak comparison (RFC 9110 §13.1.2): a W/ prefix is ignored.</summary>
    public static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var part in (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
                if (tag == "*" || tag == etag)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public static string StripEncoding(string ifNoneMatch)
    {
        var parts = ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var text = new StringBuilder();
        foreach (var part in parts)
        {
            var tag = part;
            foreach (var suffix in new[] { "-br\"", "-gzip\"" })
            {
                if (tag.EndsWith(suffix, StringComparison.Ordinal))
                {
                    tag = tag[..^suffix.Length] + "\"";
                }
            }

            text.Append(text.Length == 0 ? "" : ", ").Append(tag);
        }

        return text.ToString();
    }
}

/// <summary>
/// One token bucket per client: per configured API key (sent in <c>X-Api-Key</c>) with the larger limits, else per
/// remote IP. Rejections are 429 problem+json with Retry-After; every answer says the limit and what is left.
/// </summary>
internal sealed partial class ApiRateLimiter
{
    private readonly ApiOptions _options;
    private readonly byte[][] _keyHashes;
    private readonly ILogger<ApiRateLimiter> _logger;

    public ApiRateLimiter(IOptions<ApiOptions> options, ILogger<ApiRateLimiter> logger)
    {
        _options = options.Value;
        _logger = logger;
        _keyHashes = [.. _options.Keys.Where(k => k.Length > 0).Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];
        Limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var key = KeyIndex(context);
            return key >= 0
                ? RateLimitPartition.GetTokenBucketLimiter("key:" + key.ToString(CultureInfo.InvariantCulture), _ => Bucket(_options.KeyPermitLimit, _options.KeyTokensPerPeriod))
                : RateLimitPartition.GetTokenBucketLimiter("ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown"), _ => Bucket(_options.PermitLimit, _options.TokensPerPeriod));
        });
    }

    public PartitionedRateLimiter<HttpContext> Limiter { get; }

    public async Task AddHeaders(HttpContext context, RequestDelegate next)
    {
        var statistics = Limiter.GetStatistics(context);
        var limit = KeyIndex(context) >= 0 ? _options.KeyPermitLimit : _options.PermitLimit;
        context.Response.Headers["RateLimit-Limit"] = limit.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["RateLimit-Remaining"] = (statistics?.CurrentAvailablePermits ?? 0).ToString(CultureInfo.InvariantCulture);
        await next(context);
    }

    public async ValueTask RejectAsync(Microsoft.AspNetCore.RateLimiting.OnRejectedContext rejected)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : _options.ReplenishmentPeriod;
        var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["RateLimit-Limit"] = (KeyIndex(context) >= 0 ? _options.KeyPermitLimit : _options.PermitLimit).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["RateLimit-Remaining"] = "0";
        Log.Rejected(_logger, context.Request.Path, context.Connection.RemoteIpAddress?.ToString());
        await TypedResults.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests",
            detail: $"This client's request budget is spent; retry after {seconds} s. A configured API key in {ApiHttp.ApiKeyHeader} raises the limit.")
            .ExecuteAsync(context);
    }

    private TokenBucketRateLimiterOptions Bucket(int permits, int tokensPerPeriod) => new()
    {
        TokenLimit = permits,
        TokensPerPeriod = tokensPerPeriod,
        ReplenishmentPeriod = _options.ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private int KeyIndex(HttpContext context)
    {
        if (_keyHashes.Length == 0 || context.Request.Headers[ApiHttp.ApiKeyHeader].ToString() is not { Length: > 0 } sent)
        {
            return -1;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sent));
        for (var i = 0; i < _keyHashes.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, _keyHashes[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Information, Message = "Rate limit reached for {Path} from {RemoteIp}")]
        public static partial void Rejected(ILogger logger, string path, string? remoteIp);
    }
}
