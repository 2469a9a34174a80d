using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Tracker.Core.Digests;

public static class DigestRegistration
{
    /// <summary>Subscriptions, the digest builder and renderer, email (MailKit) and webhook channels, and the sender.</summary>
    public static IHostApplicationBuilder AddTrackerDigests(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<DigestOptions>().BindConfiguration(DigestOptions.SectionName)
            .Validate(o => o.PublicBaseUrl.IsAbsoluteUri, "Tracker:Digests:PublicBaseUrl must be an absolute URL")
            .Validate(o => o.BatchSize > 0 && o.Parallelism > 0 && o.MaxAttempts > 0 && o.AttemptsPerRun > 0 && o.PauseAfterFailures > 0,
                "Tracker:Digests: BatchSize, Parallelism, MaxAttempts, AttemptsPerRun and PauseAfterFailures must be positive")
            .PostConfigure(o => o.PublicBaseUrl = new Uri(o.PublicBaseUrl.AbsoluteUri.TrimEnd('/') + "/"))
            .ValidateOnStart();
        services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName);
        services.AddSingleton<DigestBuilder>();
        services.AddSingleton<DigestRenderer>();
        services.AddSingleton<DigestTokens>();
        services.AddSingleton<WebhookAddressGuard>();
        services.AddSingleton<Mailer>();
        services.AddSingleton<EmailChannel>();
        services.AddSingleton<WebhookChannel>();
        services.AddSingleton<IDigestChannel>(sp => sp.GetRequiredService<EmailChannel>());
        services.AddSingleton<IDigestChannel>(sp => sp.GetRequiredService<WebhookChannel>());
        services.AddSingleton<SubscriptionService>();
        services.AddSingleton<DigestSender>();

        // Webhooks connect only to addresses the guard allowed (SSRF and DNS rebinding), and never follow redirects.
        services.AddHttpClient(WebhookChannel.HttpClientName, (sp, http) => http.Timeout = sp.GetRequiredService<IOptions<DigestOptions>>().Value.WebhookTimeout)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<WebhookAddressGuard>().CreateHandler());
        return builder;
    }
}
