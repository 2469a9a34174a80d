using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Tracker.Web.Localization;

/// <summary>
/// English and Simplified Chinese. The culture comes from the <c>.AspNetCore.Culture</c> cookie (set by the language
/// switch), else from <c>Accept-Language</c> on a first visit, else English.
/// </summary>
internal static class TrackerCultures
{
    public const string English = "en";
    public const string Chinese = "zh-CN";

    public static readonly IReadOnlyList<string> Supported = [English, Chinese];

    public static IServiceCollection AddTrackerLocalization(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.Configure<RequestLocalizationOptions>(o =>
        {
            var cultures = Supported.Select(c => new CultureInfo(c)).ToList();
            o.DefaultRequestCulture = new RequestCulture(English);
            o.SupportedCultures = cultures;
            o.SupportedUICultures = cultures;
            o.FallBackToParentCultures = true;
            o.FallBackToParentUICultures = true;
            // Cookie first (the visitor's choice), then the browser's languages; no query string, so links stay clean.
            o.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        });
        return services;
    }

    /// <summary><c>GET /culture?set=zh-CN&amp;redirect=/families/qwen</c>: remembers the choice in a cookie for a year, then goes back.</summary>
    public static IEndpointRouteBuilder MapCultureSwitch(this IEndpointRouteBuilder app)
    {
        app.MapGet("/culture", (string? set, string? redirect, HttpContext context) =>
        {
            var culture = Supported.FirstOrDefault(c => string.Equals(c, set, StringComparison.OrdinalIgnoreCase)) ?? English;
            context.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = true });
            // Only a local path: never an open redirect.
            var target = redirect is { Length: > 0 } r && r.StartsWith('/') && !r.StartsWith("//", StringComparison.Ordinal) && !r.StartsWith("/\\", StringComparison.Ordinal) ? r : "/";
            return Results.LocalRedirect(target);
        }).ExcludeFromDescription();
        return app;
    }
}
