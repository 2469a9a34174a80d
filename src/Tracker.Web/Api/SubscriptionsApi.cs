using System.Net;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using Tracker.Core.Digests;
using Tracker.Jobs;
using Tracker.Web.Digests;
using Tracker.Web.Localization;

namespace Tracker.Web.Api;

/// <summary>The body of <c>POST /api/v1/subscriptions</c>.</summary>
public sealed record SubscriptionRequestDto(
    string? Email,
    string? WebhookUrl,
    string? Channel,
    IReadOnlyList<string>? Families,
    string? Language,
    string? TimeZone,
    string? Secret,
    string? OwnerEmail);

public sealed record SubscriptionAcceptedDto(string Status, string Message);

public sealed record WebhookSubscriptionDto(long Id, string Status, string Channel, string? Secret, string Message);

internal static class SubscriptionsApi
{
    public static RouteGroupBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/subscriptions").WithTags("Digests");
        api.MapPost("/", Subscribe).WithName("Subscribe").RequireRateLimiting(SubscribeLimiter.Policy).DisableAntiforgery()
            .WithSummary("Subscribe to the weekly digest by email (double opt-in) or webhook (json, slack, feishu, dingtalk, wecom; a test message is sent now).");
        api.MapGet("/confirm", ConfirmPage).ExcludeFromDescription();
        api.MapPost("/confirm", Confirm).DisableAntiforgery().ExcludeFromDescription();
        api.MapGet("/unsubscribe", UnsubscribePage).ExcludeFromDescription();
        // RFC 8058 one-click: mail clients POST "List-Unsubscribe=One-Click" here with no cookie and no further step.
        api.MapPost("/unsubscribe", Unsubscribe).DisableAntiforgery().WithName("Unsubscribe").WithSummary("One-click unsubscribe (RFC 8058).");
        return api;
    }

    internal static async Task<SubscribeOutcome> SubscribeAsync(SubscribeRequest request, SubscriptionService subscriptions, IBackgroundJobClient jobs, CancellationToken cancellationToken)
    {
        var outcome = await subscriptions.SubscribeAsync(request, cancellationToken);
        if (outcome.ConfirmationFor is { } id)
        {
            // Mailed by a job: the answer takes as long whether or not the address was known.
            jobs.Enqueue<SendDigestConfirmationJob>(job => job.RunAsync(id, CancellationToken.None));
        }

        return outcome;
    }

    private static async Task<Results<Accepted<SubscriptionAcceptedDto>, Created<WebhookSubscriptionDto>, ValidationProblem, UnprocessableEntity<ProblemDetailsDto>, StatusCodeHttpResult>> Subscribe(
        SubscriptionRequestDto body, SubscriptionService subscriptions, SubscribeLimiter limiter, IBackgroundJobClient jobs, IStringLocalizer<DigestsResource> text,
        CancellationToken cancellationToken)
    {
        if (!limiter.TryAcquireAddress(body.Email ?? body.WebhookUrl))
        {
            return TypedResults.StatusCode(StatusCodes.Status429TooManyRequests);
        }

        var outcome = await SubscribeAsync(
            new SubscribeRequest(body.Email, body.WebhookUrl, body.Channel, body.Families, body.Language, body.TimeZone, body.Secret, body.OwnerEmail),
            subscriptions, jobs, cancellationToken);
        return outcome.Status switch
        {
            SubscribeStatus.ConfirmationSent => TypedResults.Accepted((string?)null, new SubscriptionAcceptedDto(outcome.Status, text["Subscribe.ConfirmationSent"])),
            SubscribeStatus.Active => TypedResults.Created($"/api/v1/subscriptions/{outcome.SubscriptionId}",
                new WebhookSubscriptionDto(outcome.SubscriptionId!.Value, outcome.Status, DigestChannels.Normalize(body.Channel) ?? DigestChannels.Json, outcome.Secret, text["Subscribe.WebhookActive"])),
            SubscribeStatus.TestFailed => TypedResults.UnprocessableEntity(new ProblemDetailsDto("The test delivery failed", 422, string.Join("; ", outcome.Errors!.SelectMany(e => e.Value)))),
            _ => TypedResults.ValidationProblem(outcome.Errors!),
        };
    }

    private static async Task<IResult> ConfirmPage(string? token, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var s = await subscriptions.FindByTokenAsync(DigestTokens.Confirm, token, cancellationToken);
        return s is null
            ? Page(StatusCodes.Status400BadRequest, null, "Confirm.Title", "Confirm.Invalid")
            : Page(StatusCodes.Status200OK, s.Language, "Confirm.Title", "Confirm.Prompt", ("Confirm.Button", "confirm?token=" + Uri.EscapeDataString(token!)));
    }

    private static async Task<IResult> Confirm(string? token, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var s = await subscriptions.FindByTokenAsync(DigestTokens.Confirm, token, cancellationToken);
        return s is not null && await subscriptions.ConfirmAsync(token, cancellationToken)
            ? Page(StatusCodes.Status200OK, s.Language, "Confirm.Title", "Confirm.Done")
            : Page(StatusCodes.Status400BadRequest, s?.Language, "Confirm.Title", "Confirm.Invalid");
    }

    private static async Task<IResult> UnsubscribePage(string? token, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var s = await subscriptions.FindByTokenAsync(DigestTokens.Unsubscribe, token, cancellationToken);
        return s is null
            ? Page(StatusCodes.Status400BadRequest, null, "Unsubscribe.Title", "Unsubscribe.Invalid")
            : Page(StatusCodes.Status200OK, s.Language, "Unsubscribe.Title", "Unsubscribe.Prompt", ("Unsubscribe.Button", "unsubscribe?token=" + Uri.EscapeDataString(token!)));
    }

    private static async Task<IResult> Unsubscribe(string? token, SubscriptionService subscriptions, CancellationToken cancellationToken)
    {
        var s = await subscriptions.FindByTokenAsync(DigestTokens.Unsubscribe, token, cancellationToken);
        return s is not null && await subscriptions.UnsubscribeAsync(token, cancellationToken)
            ? Page(StatusCodes.Status200OK, s.Language, "Unsubscribe.Title", "Unsubscribe.Done")
            : Page(StatusCodes.Status400BadRequest, null, "Unsubscribe.Title", "Unsubscribe.Invalid");
    }

    /// <summary>
    /// A tiny page in the subscriber's language (the link's owner, not the browser, decides), with a button that POSTs
    /// when <paramref name="action"/> is given: link scanners that fetch every URL in a mail confirm and unsubscribe nothing.
    /// </summary>
    private static IResult Page(int status, string? language, string title, string message, (string Label, string Url)? action = null)
    {
        var culture = System.Globalization.CultureInfo.GetCultureInfo(language == DigestText.Chinese ? DigestText.Chinese : DigestText.English);
        var text = Localizer(culture);
        var form = action is { } a
            ? $"<form method=\"post\" action=\"{WebUtility.HtmlEncode(a.Url)}\"><input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\"><button type=\"submit\">{WebUtility.HtmlEncode(text[a.Label])}</button></form>"
            : "<p><a href=\"/\">Tracker</a></p>";
        var html = $"""
            <!DOCTYPE html>
            <html lang="{culture.Name}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{WebUtility.HtmlEncode(text[title])}</title><link rel="stylesheet" href="/css/app.css"></head>
            <body><main><h1>{WebUtility.HtmlEncode(text[title])}</h1><p>{WebUtility.HtmlEncode(text[message])}</p>{form}</main></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }

    private static readonly Microsoft.Extensions.Localization.ResourceManagerStringLocalizerFactory Factory = new(
        Microsoft.Extensions.Options.Options.Create(new LocalizationOptions { ResourcesPath = "Resources" }), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

    private static LocalizedText Localizer(System.Globalization.CultureInfo culture) => new(Factory.Create(typeof(DigestsResource)), culture);

    /// <summary>Strings in a given culture, whatever the request's culture.</summary>
    private sealed class LocalizedText(IStringLocalizer inner, System.Globalization.CultureInfo culture)
    {
        public string this[string key]
        {
            get
            {
                var previous = System.Globalization.CultureInfo.CurrentUICulture;
                System.Globalization.CultureInfo.CurrentUICulture = culture;
                try
                {
                    return inner[key];
                }
                finally
                {
                    System.Globalization.CultureInfo.CurrentUICulture = previous;
                }
            }
        }
    }
}

public sealed record ProblemDetailsDto(string Title, int Status, string Detail);
