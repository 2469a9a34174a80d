using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Internal;
using Polly;

namespace Tracker.Core.Sources.GitHub;

public static class GitHubRegistration
{
    /// <summary>
    /// Options, the ETag cache, the <c>github</c> HttpClient pipeline (resilience, request counting, tally) and Octokit's
    /// <see cref="IGitHubClient"/> over it, as costellobot does: Octokit's <see cref="HttpClientAdapter"/> takes its
    /// handler from <see cref="IHttpMessageHandlerFactory"/>, so the pooled, resilient pipeline carries Octokit's requests.
    /// </summary>
    public static IHostApplicationBuilder AddGitHub(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<GitHubOptions>()
            .BindConfiguration(GitHubOptions.SectionName)
            .PostConfigure<IConfiguration>((o, config) =>
            {
                // The variables GitHub Actions (and the gh CLI's world) set take precedence.
                if (config["GITHUB_API_URL"] is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out var apiUrl))
                {
                    o.ApiUrl = apiUrl;
                }

                if (config["GITHUB_TOKEN"] is { Length: > 0 } token)
                {
                    o.Token = token;
                }

                // Used as is: Octokit's endpoints are relative ("repos/{o}/{r}"), so only a trailing slash is ensured.
                if (o.ApiUrl.IsAbsoluteUri && !o.ApiUrl.AbsolutePath.EndsWith('/'))
                {
                    o.ApiUrl = new Uri(o.ApiUrl.GetLeftPart(UriPartial.Path) + "/" + o.ApiUrl.Query);
                }
            })
            .Validate(o => o.ApiUrl.IsAbsoluteUri && (o.ApiUrl.Scheme == Uri.UriSchemeHttp || o.ApiUrl.Scheme == Uri.UriSchemeHttps),
                "GITHUB_API_URL / Tracker:GitHub:ApiUrl must be an absolute http(s) address")
            .Validate(o => o.MaxRetries >= 1, "Tracker:GitHub:MaxRetries must be at least 1")
            .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "Tracker:GitHub:AttemptTimeout must be positive")
            .ValidateOnStart();

        services.TryAddSingleton<IHttpCacheStore, InMemoryHttpCacheStore>();
        services.TryAddSingleton<GitHubResponseCache>();
        services.TryAddTransient<RequestTallyHandler>();
        services.TryAddTransient<GitHubRequestCountingHandler>();

        var http = services.AddHttpClient(GitHubSource.HttpClientName)
            // Octokit's own RedirectHandler follows 301s (keeping Authorization on the same host, and letting each hop
            // be counted); the socket handler must not follow them first.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        http.AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions r, IServiceProvider sp) =>
            {
                var o = sp.GetRequiredService<IOptions<GitHubOptions>>().Value;
                r.AttemptTimeout.Timeout = o.AttemptTimeout;
                r.CircuitBreaker.SamplingDuration = o.AttemptTimeout * 2;
                r.Retry.MaxRetryAttempts = o.MaxRetries;
                r.Retry.Delay = TimeSpan.FromSeconds(1);
                // 403 and 429 are GitHub's rate limits: never retried here, they surface so the caller can defer.
                r.Retry.ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Outcome));
                r.CircuitBreaker.ShouldHandle = args => ValueTask.FromResult(IsRetryable(args.Outcome));
                r.TotalRequestTimeout.Timeout = (o.AttemptTimeout + TimeSpan.FromSeconds(30)) * (o.MaxRetries + 1);
            });
        // Innermost: every attempt (each retry, each redirect hop) is counted.
        http.AddHttpMessageHandler<GitHubRequestCountingHandler>()
            .AddHttpMessageHandler<RequestTallyHandler>();

        services.AddTransient<IGitHubClient>(sp =>
        {
            var o = sp.GetRequiredService<IOptions<GitHubOptions>>().Value;
            var handlers = sp.GetRequiredService<IHttpMessageHandlerFactory>();
            var credentials = string.IsNullOrEmpty(o.Token) ? Credentials.Anonymous : new Credentials(o.Token);
#pragma warning disable CA2000 // the connection owns the adapter; the factory's handler is not disposed by it
            var adapter = new HttpClientAdapter(() => handlers.CreateHandler(GitHubSource.HttpClientName));
#pragma warning restore CA2000
            adapter.SetRequestTimeout(Timeout.InfiniteTimeSpan); // the resilience pipeline owns timeouts
            var connection = new Connection(
                new ProductHeaderValue("Tracker"),
                o.ApiUrl,
                new InMemoryCredentialStore(credentials),
                new PipelineTimedHttpClient(adapter),
                new SimpleJsonSerializer())
            {
                ResponseCache = sp.GetRequiredService<GitHubResponseCache>(),
            };
            return new GitHubClient(connection);
        });
        services.AddTransient<GitHubSource>();
        return builder;
    }

    internal static bool IsRetryable(Outcome<HttpResponseMessage> outcome) =>
        outcome.Result?.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests)
        && HttpClientResiliencePredicates.IsTransient(outcome);
}
