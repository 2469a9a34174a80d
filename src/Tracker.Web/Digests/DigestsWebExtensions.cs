using Tracker.Web.Api;

namespace Tracker.Web.Digests;

internal static class DigestsWebExtensions
{
    /// <summary>The subscribe rate limits (per IP on the endpoint, per address everywhere).</summary>
    public static WebApplicationBuilder AddTrackerDigestsWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<SubscribeLimitOptions>().BindConfiguration(SubscribeLimitOptions.SectionName);
        builder.Services.AddSingleton<SubscribeLimiter>();
        var limits = builder.Configuration.GetSection(SubscribeLimitOptions.SectionName).Get<SubscribeLimitOptions>() ?? new SubscribeLimitOptions();
        builder.Services.AddRateLimiter(o => SubscribeLimiter.AddPolicy(o, limits));
        return builder;
    }

    /// <summary>Subscriptions, the digest API, the Atom feed (the pages are Razor components under Components/Digests).</summary>
    public static WebApplication MapDigestsApi(this WebApplication app)
    {
        // The rate limiter middleware runs once, in the API's pipeline (UseTrackerApi), which also serves this policy.
        app.MapSubscriptionsApi();
        app.MapDigestArchiveApi();
        return app;
    }
}
