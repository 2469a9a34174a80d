using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Tracker.Core.Sources.ModelScope;

/// <summary>
/// Lists an organisation's models on ModelScope, one page at a time. Returns data and never writes: persistence is
/// the collector's job.
/// </summary>
/// <remarks>
/// The OpenAPI listing (<c>GET openapi/v1/models</c>) refuses <c>page_number * page_size &gt; 3000</c>. Its first page
/// tells the org's <c>total_count</c>: when that exceeds 3,000, the whole org is listed through the legacy listing
/// (<c>PUT api/v1/models/</c>) from page 1 instead, so every page comes from one listing in one order and no page
/// boundary is crossed between two orderings (the discarded first page's cost is added to page 1's). Only when the
/// total is unknown, or the org grew past 3,000 during the walk, do pages beyond the window continue on the legacy
/// listing at the same page numbers. <see cref="ModelScopeOptions.Listing"/> = <c>Legacy</c> always uses the legacy listing.
/// ModelScope has no 30-day download counter: <see cref="HubModel.Downloads30d"/> is always null.
/// </remarks>
public sealed class ModelScopeSource(HttpClient http, IOptions<ModelScopeOptions> options)
{
    public const string HttpClientName = "modelscope";

    /// <summary>The OpenAPI listing serves items up to <c>page_number * page_size &lt;= 3000</c>.</summary>
    public const int OpenApiWindow = 3000;

    private readonly ModelScopeOptions _options = options.Value;

    public static string OpenApiListUrl(string org, int pageNumber, int pageSize) =>
        $"openapi/v1/models?owner={Uri.EscapeDataString(org)}&page_number={pageNumber.ToString(CultureInfo.InvariantCulture)}"
        + $"&page_size={pageSize.ToString(CultureInfo.InvariantCulture)}";

    public const string LegacyListUrl = "api/v1/models/";

    public async IAsyncEnumerable<SourcePage> ListModelsAsync(string org, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(org);
        var size = _options.PageSize;
        var legacy = _options.Listing == ModelScopeListing.Legacy;
        var seen = 0L;
        for (var number = 1; ; number++)
        {
            // Safety net: never ask the OpenAPI listing for a page it refuses.
            legacy |= (long)number * size > OpenApiWindow;
            Listed page;
            if (legacy)
            {
                page = await FetchLegacyAsync(org, number, size, cancellationToken);
            }
            else
            {
                page = await FetchOpenApiAsync(org, number, size, cancellationToken);
                if (number == 1 && page.Total > OpenApiWindow)
                {
                    legacy = true;
                    var first = await FetchLegacyAsync(org, 1, size, cancellationToken);
                    page = first with { Requests = first.Requests + page.Requests, Bytes = first.Bytes + page.Bytes };
                }
            }

            yield return new SourcePage(number, page.Models, page.Requests, page.Bytes);
            seen += page.Models.Count;
            if (page.Models.Count == 0 || page.Models.Count < size || (page.Total is { } total && seen >= total))
            {
                yield break;
            }
        }
    }

    private sealed record Listed(IReadOnlyList<HubModel> Models, long? Total, int Requests, long Bytes);

    private async Task<Listed> FetchOpenApiAsync(string org, int number, int size, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(OpenApiListUrl(org, number, size), UriKind.Relative));
        return await SendAsync(org, number, request, async (body, tally) =>
        {
            var envelope = await JsonSerializer.DeserializeAsync(body, ModelScopeJsonContext.Default.MsOpenApiEnvelope, cancellationToken)
                           ?? throw new JsonException("the body is null");
            if (envelope.Success != true || envelope.Data is null)
            {
                throw Failed(org, number, tally, $"the listing answered success={Text(envelope.Success)}: {envelope.Message ?? "(no message)"}");
            }

            var models = (envelope.Data.Models ?? []).Where(w => w is not null).Select(w => Map(w!) ?? throw new JsonException("an item has no \"id\"")).ToList();
            return (models, envelope.Data.TotalCount);
        }, cancellationToken);
    }

    private async Task<Listed> FetchLegacyAsync(string org, int number, int size, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(LegacyListUrl, UriKind.Relative));
        var payload = JsonSerializer.SerializeToUtf8Bytes(new MsLegacyRequest { Path = org, PageNumber = number, PageSize = size }, ModelScopeJsonContext.Default.MsLegacyRequest);
        // Buffered bytes: a retry sends the same body again.
        request.Content = new ByteArrayContent(payload) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } };
        if (!string.IsNullOrEmpty(_options.Token))
        {
            // The legacy API authenticates with the session cookie the SDK's login sets to the token.
            request.Headers.Add("Cookie", "m_session_id=" + _options.Token);
        }

        return await SendAsync(org, number, request, async (body, tally) =>
        {
            var envelope = await JsonSerializer.DeserializeAsync(body, ModelScopeJsonContext.Default.MsLegacyEnvelope, cancellationToken)
                           ?? throw new JsonException("the body is null");
            if ((envelope.Code is { } code && code != 200) || envelope.Success == false || envelope.Data is null)
            {
                throw Failed(org, number, tally,
                    $"the legacy listing answered Code={Text(envelope.Code)}, Success={Text(envelope.Success)}: {envelope.Message ?? "(no message)"}");
            }

            var models = (envelope.Data.Models ?? []).Where(w => w is not null)
                .Select(w => Map(w!) ?? throw new JsonException("an item has no \"Path\" or \"Name\"")).ToList();
            return (models, envelope.Data.TotalCount);
        }, cancellationToken);
    }

    private async Task<Listed> SendAsync(
        string org, int number, HttpRequestMessage request,
        Func<Stream, RequestTally, Task<(List<HubModel> Models, long? Total)>> read, CancellationToken cancellationToken)
    {
        var tally = new RequestTally();
        request.Options.Set(RequestTally.Key, tally);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                  or Polly.CircuitBreaker.BrokenCircuitException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw Failed(org, number, tally, $"request failed after {tally.Attempts} attempt(s): {e.Message}", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode switch
                {
                    HttpStatusCode.TooManyRequests => " (rate limited; retries exhausted)",
                    HttpStatusCode.NotFound => " (no such organisation?)",
                    HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => " (check MODELSCOPE_API_TOKEN)",
                    _ => "",
                };
                var detail = await ErrorMessageAsync(response, cancellationToken);
                throw Failed(org, number, tally, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}{hint} after {tally.Attempts} attempt(s){detail}");
            }

            await using var body = new CountingStream(await response.Content.ReadAsStreamAsync(cancellationToken));
            try
            {
                var (models, total) = await read(body, tally);
                return new Listed(models, total, tally.Attempts, body.BytesRead);
            }
            catch (JsonException e)
            {
                throw Failed(org, number, tally, $"malformed JSON ({e.Message}); nothing from this page was stored", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                // Past the headers the resilience pipeline no longer sees the response: a body cut off midway fails this
                // org's run with a clear error instead of escaping the collection as a bare I/O exception.
                throw Failed(org, number, tally, $"the response broke off: {e.Message}; nothing from this page was stored", e);
            }
        }
    }

    /// <summary>A page that could not be listed, named as every ModelScope error is: the org, the page and why.</summary>
    private static SourceException Failed(string org, int number, RequestTally tally, string cause, Exception? inner = null) =>
        new($"ModelScope org '{org}', page {number}: {cause}", inner) { Requests = tally.Attempts };

    private static string Text<T>(T? value)
        where T : struct => value is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture)!.ToLowerInvariant() : "(absent)";

    /// <summary>The <c>message</c> of a JSON error body, when there is one; bodies are not echoed otherwise.</summary>
    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            using var json = JsonDocument.Parse(text.Length > 4096 ? text[..4096] : text);
            foreach (var name in new[] { "message", "Message" })
            {
                if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out var m) && m.ValueKind == JsonValueKind.String)
                {
                    return ": " + m.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }
        catch (HttpRequestException)
        {
        }

        return "";
    }

    internal static HubModel? Map(MsOpenApiModelWire wire)
    {
        if (string.IsNullOrWhiteSpace(wire.Id))
        {
            return null;
        }

        return new HubModel(
            wire.Id,
            ParseTime(wire.CreatedAt),
            ParseTime(wire.LastModified),
            FirstTask(wire.Tasks),
            LibraryName: null,
            NullIfEmpty(wire.License),
            ParameterCount: null,
            GatedText(wire.Gated),
            Strings(wire.Tags),
            ParameterDtypes: null,
            Downloads30d: null,
            DownloadsAllTime: wire.Downloads,
            Likes: wire.Likes);
    }

    internal static HubModel? Map(MsLegacyModelWire wire)
    {
        if (string.IsNullOrWhiteSpace(wire.Path) || string.IsNullOrWhiteSpace(wire.Name))
        {
            return null;
        }

        return new HubModel(
            $"{wire.Path}/{wire.Name}",
            ParseTime(wire.CreatedTime),
            ParseTime(wire.LastUpdatedTime),
            FirstTask(wire.Tasks),
            LibraryName: null,
            NullIfEmpty(wire.License),
            ParameterCount: null,
            Gated: null,
            Strings(wire.Tags),
            ParameterDtypes: null,
            Downloads30d: null,
            DownloadsAllTime: wire.Downloads,
            Likes: wire.Stars ?? wire.Likes);
    }

    /// <summary>
    /// Unix seconds (a number or a numeric string; values past year 5138 are read as milliseconds) or an ISO-8601
    /// string. Zero, negative or unreadable values are unknown.
    /// </summary>
    internal static DateTime? ParseTime(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                return value.TryGetInt64(out var whole) ? FromEpoch(whole)
                    : value.TryGetDouble(out var fraction) && fraction is > 0 and < long.MaxValue ? FromEpoch((long)fraction) : null;
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds))
                {
                    return FromEpoch(seconds);
                }

                return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time) ? time.UtcDateTime : null;
            default:
                return null;
        }
    }

    private static DateTime? FromEpoch(long value)
    {
        if (value <= 0)
        {
            return null;
        }

        var ms = value > 100_000_000_000 ? value : value * 1000;
        return ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds() ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime : null;
    }

    /// <summary>The first named task: tasks come as strings or as <c>{"Name": …}</c> objects (some with an empty name), or as one of them.</summary>
    private static string? FirstTask(JsonElement tasks) => tasks.ValueKind switch
    {
        JsonValueKind.Array => Strings(tasks) is [var first, ..] ? first : null,
        JsonValueKind.String => NullIfEmpty(tasks.GetString()),
        JsonValueKind.Object => NameOf(tasks),
        _ => null,
    };

    private static IReadOnlyList<string>? Strings(JsonElement array)
    {
        if (array.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return [.. array.EnumerateArray()
            .Select(e => e.ValueKind switch { JsonValueKind.String => NullIfEmpty(e.GetString()), JsonValueKind.Object => NameOf(e), _ => null })
            .OfType<string>()];
    }

    private static string? NameOf(JsonElement o)
    {
        foreach (var key in new[] { "Name", "name" })
        {
            if (o.TryGetProperty(key, out var n) && n.ValueKind == JsonValueKind.String)
            {
                return NullIfEmpty(n.GetString());
            }
        }

        return null;
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static string? GatedText(JsonElement gated) => gated.ValueKind switch
    {
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String => gated.GetString(),
        _ => null,
    };
}
