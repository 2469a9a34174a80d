using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Tracker.Core.Sources.HuggingFace;

/// <summary>
/// Lists an organisation's models on the Hugging Face Hub (or a mirror), one page at a time. Returns data and never
/// writes: persistence is the collector's job.
/// </summary>
public sealed class HuggingFaceSource(HttpClient http)
{
    public const string HttpClientName = "huggingface";

    /// <summary>Hugging Face's creation date for repositories made before it stored one: it means "unknown".</summary>
    public static readonly DateTime CreatedAtSentinel = new(2022, 3, 2, 23, 29, 4, DateTimeKind.Utc);

    private static readonly string[] ChildExpands = ["createdAt", "downloads", "downloadsAllTime", "likes", "tags"];

    private static readonly string[] Expands =
        ["downloads", "downloadsAllTime", "likes", "createdAt", "lastModified", "pipeline_tag", "library_name", "tags", "gated", "safetensors"];

    /// <summary>The first page's address; later pages come from the <c>Link: &lt;…&gt;; rel="next"</c> header.</summary>
    public static string ListUrl(string org, int pageSize) =>
        $"api/models?author={Uri.EscapeDataString(org)}&limit={pageSize.ToString(CultureInfo.InvariantCulture)}&"
        + string.Join('&', Expands.Select(e => $"expand[]={e}"));

    // https://huggingface.co/docs/hub/api#get-apimodels — paginated through the Link header.
    public IAsyncEnumerable<SourcePage> ListModelsAsync(string org, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(org);
        return ListAsync(new Uri(ListUrl(org, pageSize), UriKind.Relative), $"org '{org}'", cancellationToken);
    }

    /// <summary>
    /// The children of a base model, newest first: every repository tagged <c>base_model:{id}</c>
    /// (https://huggingface.co/docs/hub/model-cards#specifying-a-base-model). The caller stops reading when it reaches
    /// a child it already knows, so later passes fetch only new pages.
    /// </summary>
    public IAsyncEnumerable<SourcePage> ListChildrenAsync(string baseId, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseId);
        var url = $"api/models?filter={Uri.EscapeDataString("base_model:" + baseId)}&sort=createdAt&limit={pageSize.ToString(CultureInfo.InvariantCulture)}&"
            + string.Join('&', ChildExpands.Select(e => $"expand[]={e}"));
        return ListAsync(new Uri(url, UriKind.Relative), $"children of '{baseId}'", cancellationToken);
    }

    /// <summary>
    /// How many models derive from <paramref name="repoId"/>, per relation when the hub says
    /// (<c>GET /api/models/{id}?expand[]=childrenModelCount</c>: an integer or <c>{ finetune, quantized, adapter, merge }</c>).
    /// Null when the model no longer exists.
    /// </summary>
    public async Task<ChildrenCount?> GetChildrenCountAsync(string repoId, CancellationToken cancellationToken)
    {
        var url = new Uri($"api/models/{repoId}?expand[]=childrenModelCount", UriKind.Relative);
        var label = $"model '{repoId}'";
        var tally = new RequestTally();
        using var response = await SendAsync(url, label, 1, tally, allowNotFound: true, cancellationToken);
        if (response is null)
        {
            return new ChildrenCount(null, null, null, null, null, tally.Attempts, Found: false);
        }

        await using var body = new CountingStream(await response.Content.ReadAsStreamAsync(cancellationToken));
        try
        {
            var wire = await JsonSerializer.DeserializeAsync(body, HuggingFaceJsonContext.Default.HfModelDetailWire, cancellationToken)
                ?? throw new JsonException("empty body");
            return ParseChildren(wire.ChildrenModelCount, tally.Attempts);
        }
        catch (JsonException e)
        {
            throw new SourceException($"Hugging Face {label}: malformed JSON ({e.Message})", e) { Requests = tally.Attempts };
        }
    }

    internal static ChildrenCount ParseChildren(JsonElement count, int requests)
    {
        switch (count.ValueKind)
        {
            case JsonValueKind.Number:
                return new ChildrenCount(null, null, null, null, count.GetInt64(), requests, Found: true);
            case JsonValueKind.Object:
                long? Get(string name) => count.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
                var (finetune, quantized, adapter, merge) = (Get("finetune"), Get("quantized"), Get("adapter"), Get("merge"));
                long? total = finetune is null && quantized is null && adapter is null && merge is null ? null : (finetune ?? 0) + (quantized ?? 0) + (adapter ?? 0) + (merge ?? 0);
                return new ChildrenCount(finetune, quantized, adapter, merge, total, requests, Found: true);
            default:
                return new ChildrenCount(null, null, null, null, null, requests, Found: true);
        }
    }

    private async IAsyncEnumerable<SourcePage> ListAsync(Uri first, string label, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Uri? next = first;
        var number = 0;
        while (next is not null)
        {
            number++;
            var (page, link) = await FetchPageAsync(label, number, next, cancellationToken);
            yield return page;
            next = link;
        }
    }

    private async Task<HttpResponseMessage?> SendAsync(Uri url, string label, int number, RequestTally tally, bool allowNotFound, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Options.Set(RequestTally.Key, tally);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
                                  or Polly.CircuitBreaker.BrokenCircuitException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new SourceException($"Hugging Face {label}, page {number}: request failed after {tally.Attempts} attempt(s): {e.Message}", e)
            { Requests = tally.Attempts };
        }

        if (allowNotFound && response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            var hint = response.StatusCode switch
            {
                HttpStatusCode.TooManyRequests => " (rate limited; retries exhausted)",
                HttpStatusCode.NotFound => " (no such organisation?)",
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => " (check HF_TOKEN)",
                _ => "",
            };
            var status = (int)response.StatusCode;
            var reason = response.ReasonPhrase;
            response.Dispose();
            throw new SourceException($"Hugging Face {label}, page {number}: HTTP {status} {reason}{hint} after {tally.Attempts} attempt(s)")
            { Requests = tally.Attempts };
        }

        return response;
    }

    private async Task<(SourcePage Page, Uri? Next)> FetchPageAsync(string label, int number, Uri url, CancellationToken cancellationToken)
    {
        var tally = new RequestTally();
        using var response = (await SendAsync(url, label, number, tally, allowNotFound: false, cancellationToken))!;
        var models = new List<HubModel>();
        await using var body = new CountingStream(await response.Content.ReadAsStreamAsync(cancellationToken));
        try
        {
            // Streamed item by item: memory holds one page, whatever the org's size.
            await foreach (var wire in JsonSerializer.DeserializeAsyncEnumerable(body, HuggingFaceJsonContext.Default.HfModelWire, cancellationToken))
            {
                if (wire is null)
                {
                    continue;
                }

                models.Add(Map(wire) ?? throw new JsonException("an item has no \"id\""));
            }
        }
        catch (JsonException e)
        {
            throw new SourceException(
                $"Hugging Face {label}, page {number}: malformed JSON ({e.Message}); nothing from this page was stored", e)
            { Requests = tally.Attempts };
        }

        return (new SourcePage(number, models, tally.Attempts, body.BytesRead), NextLink(response, url));
    }

    internal static HubModel? Map(HfModelWire wire)
    {
        var id = wire.Id ?? wire.ModelId;
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        var created = ParseTime(wire.CreatedAt);
        if (created == CreatedAtSentinel)
        {
            created = null;
        }

        var license = wire.Tags?.FirstOrDefault(t => t.StartsWith("license:", StringComparison.Ordinal))?["license:".Length..];
        return new HubModel(
            id,
            created,
            ParseTime(wire.LastModified),
            wire.PipelineTag,
            wire.LibraryName,
            license,
            wire.Safetensors?.Total,
            GatedText(wire.Gated),
            wire.Tags,
            wire.Safetensors?.Parameters,
            wire.Downloads,
            wire.DownloadsAllTime,
            wire.Likes);
    }

    private static string? GatedText(JsonElement gated) => gated.ValueKind switch
    {
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String => gated.GetString(),
        _ => null,
    };

    private static DateTime? ParseTime(string? text) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time)
            ? time
            : null;

    private Uri? NextLink(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var header in links)
        {
            foreach (var part in header.Split(','))
            {
                var pieces = part.Split(';');
                if (pieces.Length < 2 || !pieces.Skip(1).Any(p => p.Trim().Replace(" ", "", StringComparison.Ordinal) is "rel=\"next\"" or "rel=next"))
                {
                    continue;
                }

                var target = pieces[0].Trim().TrimStart('<').TrimEnd('>');
                var baseAddress = current.IsAbsoluteUri ? current : new Uri(http.BaseAddress!, current);
                return new Uri(baseAddress, target);
            }
        }

        return null;
    }
}
