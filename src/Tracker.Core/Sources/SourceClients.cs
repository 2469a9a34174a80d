using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

namespace Tracker.Core.Sources;

/// <summary>What every model-hub client shares: base address, token, user agent, and one resilience policy.</summary>
public static class SourceClients
{
    public const string UserAgent = "Tracker/1.0 (+https://github.com/tracker)";

    /// <summary>
    /// The endpoint and token a source uses: the environment variables its own SDKs read (<c>HF_ENDPOINT</c>,
    /// <c>MODELSCOPE_API_TOKEN</c>…) win over Tracker's settings; the endpoint always ends with a slash, so relative
    /// request paths resolve under it.
    /// </summary>
    public static (Uri Endpoint, string? Token) FromEnvironment(IConfiguration config, string endpointVariable, string tokenVariable, Uri endpoint, string? token)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (config[endpointVariable] is { Length: > 0 } fromEnvironment)
        {
            endpoint = new Uri(fromEnvironment);
        }

        if (config[tokenVariable] is { Length: > 0 } tokenFromEnvironment)
        {
            token = tokenFromEnvironment;
        }

        return (new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/"), token);
    }

    public static bool IsHttpAddress(Uri address) =>
        address is { IsAbsoluteUri: true } && (address.Scheme == Uri.UriSchemeHttp || address.Scheme == Uri.UriSchemeHttps);

    /// <summary>
    /// Registers a model-hub source's typed client: base address and Bearer token from its options, the shared resilience
    /// policy, and <see cref="RequestTallyHandler"/> innermost, so each run can count the attempts that reached the network.
    /// </summary>
    public static IServiceCollection AddSourceClient<TSource, TOptions>(
        this IServiceCollection services, string name, Func<TOptions, SourceClientSettings> settings)
        where TSource : class
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.TryAddTransient<RequestTallyHandler>();
        services.AddHttpClient<TSource>(name, (sp, http) =>
            {
                var s = settings(sp.GetRequiredService<IOptions<TOptions>>().Value);
                Configure(http, s.Endpoint, s.Token);
            })
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions r, IServiceProvider sp) =>
            {
                var s = settings(sp.GetRequiredService<IOptions<TOptions>>().Value);
                Resilience(r, s.AttemptTimeout, s.MaxRetries, s.RetryDelay, sp.GetRequiredService<TimeProvider>());
            });
        services.AddHttpClient(name).AddHttpMessageHandler<RequestTallyHandler>();
        return services;
    }

    /// <summary>Base address and Bearer token; the resilience pipeline owns timeouts, so the client's own is off.</summary>
    public static void Configure(HttpClient http, Uri endpoint, string? token)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.BaseAddress = endpoint;
        http.Timeout = Timeout.InfiniteTimeSpan;
        http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
    }

    /// <summary>
    /// Retries 429s, 5xx and timeouts: waiting as long as the server asks (<c>RateLimit: …;t=</c>, <c>Retry-After</c>),
    /// otherwise with the strategy's exponential backoff from <paramref name="retryDelay"/>. Every retry may wait a whole
    /// 5-minute rate-limit window, and the total timeout allows for that.
    /// </summary>
    public static void Resilience(HttpStandardResilienceOptions r, TimeSpan attemptTimeout, int maxRetries, TimeSpan retryDelay, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(r);
        r.AttemptTimeout.Timeout = attemptTimeout;
        r.CircuitBreaker.SamplingDuration = attemptTimeout * 2;
        r.Retry.MaxRetryAttempts = maxRetries;
        r.Retry.Delay = retryDelay;
        r.Retry.DelayGenerator = args => ValueTask.FromResult(
            args.Outcome.Result is { } response ? RateLimitHeaders.RetryAfter(response.Headers, clock.GetUtcNow()) : null);
        r.TotalRequestTimeout.Timeout = (attemptTimeout + TimeSpan.FromMinutes(5)) * (maxRetries + 1);
    }
}

/// <summary>What a source's options say about its HTTP client.</summary>
public sealed record SourceClientSettings(Uri Endpoint, string? Token, TimeSpan AttemptTimeout, int MaxRetries, TimeSpan RetryDelay);
