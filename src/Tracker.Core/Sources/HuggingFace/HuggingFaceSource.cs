using System.Buffers;
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
        return ListAsync(new Uri(ListUrl(org, pageSize), UriKind.Relative), $"org '{org}'", FetchPageAsync, cancellationToken);
    }

    /// <summary>
    /// The children of a base model, newest first: every repository tagged <c>base_model:{id}</c>
    /// (https://huggingface.co/docs/hub/model-cards#specifying-a-base-model). The caller stops reading when it reaches
    /// a child it already knows, so later passes fetch only new pages.
    /// </summary>
    public IAsyncEnumerable<SourcePage> ListChildrenAsync(string baseId, int pageSize, CancellationToken cancellationToken) =>
        ListAsync(ChildrenUrl(baseId, pageSize), $"children of '{baseId}'", FetchPageAsync, cancellationToken);

    /// <summary>
    /// The children of a base model as <see cref="ListChildrenAsync"/> lists them, each page as the hub sent it, not yet
    /// parsed: a caller that reads every page can read them off its chain of requests (see Collecting.DerivativePage).
    /// </summary>
    public IAsyncEnumerable<UnparsedPage> ListChildrenUnparsedAsync(string baseId, int pageSize, CancellationToken cancellationToken) =>
        ListAsync(ChildrenUrl(baseId, pageSize), $"children of '{baseId}'", FetchUnparsedAsync, cancellationToken);

    private static Uri ChildrenUrl(string baseId, int pageSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseId);
        return new Uri(
            $"api/models?filter={Uri.EscapeDataString("base_model:" + baseId)}&sort=createdAt&limit={pageSize.ToString(CultureInfo.InvariantCulture)}&"
            + string.Join('&', ChildExpands.Select(e => $"expand[]={e}")),
            UriKind.Relative);
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
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new SourceException($"Hugging Face {label}: the response broke off: {e.Message}", e) { Requests = tally.Attempts };
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

    private static async IAsyncEnumerable<TPage> ListAsync<TPage>(
        Uri first, string label, Func<string, int, Uri, CancellationToken, Task<(TPage Page, Uri? Next)>> fetch,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Uri? next = first;
        var number = 0;
        while (next is not null)
        {
            number++;
            var (page, link) = await fetch(label, number, next, cancellationToken);
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
            throw PageFailed(label, number, $"malformed JSON ({e.Message})", e, tally.Attempts);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // Past the headers, the resilience pipeline no longer sees the response: a body cut off midway fails this run
            // with a clear error instead of escaping the collection as a bare I/O exception.
            throw PageFailed(label, number, $"the response broke off: {e.Message}", e, tally.Attempts);
        }

        return (new SourcePage(number, models, tally.Attempts, body.BytesRead), NextLink(response, url));
    }

    private async Task<(UnparsedPage Page, Uri? Next)> FetchUnparsedAsync(string label, int number, Uri url, CancellationToken cancellationToken)
    {
        var tally = new RequestTally();
        using var response = (await SendAsync(url, label, number, tally, allowNotFound: false, cancellationToken))!;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(response.Content.Headers.ContentLength is > 0 and < UnparsedPage.MaxBytes and var length ? (int)length + 1 : 1 << 16);
        var read = 0;
        try
        {
            int n;
            while ((n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
            {
                read += n;
                if (read == buffer.Length)
                {
                    if (read >= UnparsedPage.MaxBytes)
                    {
                        throw PageFailed(label, number, $"larger than {UnparsedPage.MaxBytes / (1 << 20)} MB", null, tally.Attempts);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, read).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
        }
        catch (Exception e)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (e is HttpRequestException or IOException)
            {
                throw PageFailed(label, number, $"the response broke off: {e.Message}", e, tally.Attempts);
            }

            throw;
        }

        return (new UnparsedPage(label, number, buffer, read, tally.Attempts), NextLink(response, url));
    }

    /// <summary>A page that could not be read, named as every page error is: the listing, the page and why.</summary>
    internal static SourceException PageFailed(string label, int number, string cause, Exception? inner, int requests) =>
        new($"Hugging Face {label}, page {number}: {cause}; nothing from this page was stored", inner) { Requests = requests };

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

        // A null among the tags is skipped, not a crash: the tags are third-party data.
        var license = wire.Tags?.FirstOrDefault(t => t is not null && t.StartsWith("license:", StringComparison.Ordinal))?["license:".Length..];
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

    /// <summary>A time as the hub writes it (ISO 8601, UTC when it names no zone); null when it is not a time.</summary>
    internal static DateTime? ParseTime(string? text) =>
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

/// <summary>
/// One page of a Hugging Face listing as the hub sent it (UTF-8 JSON), in a pooled buffer until disposed: read by whoever
/// stores it, so that reading it need not sit between one request and the next.
/// </summary>
public sealed class UnparsedPage(string label, int number, byte[] buffer, int length, int requests) : IDisposable
{
    /// <summary>The largest page read: the hub's pages of 1,000 models are well under 1 MB.</summary>
    public const int MaxBytes = 64 << 20;

    private byte[]? _buffer = buffer;

    /// <summary>The listing, as errors name it (<c>children of 'Qwen/Qwen3-8B'</c>).</summary>
    public string Label => label;

    public int Number => number;

    /// <summary>HTTP attempts, retries included.</summary>
    public int Requests => requests;

    public long Bytes => length;

    /// <summary>The body as received; valid until the page is disposed.</summary>
    public ReadOnlySpan<byte> Body => (_buffer ?? throw new ObjectDisposedException(nameof(UnparsedPage))).AsSpan(0, length);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } b)
        {
            ArrayPool<byte>.Shared.Return(b);
        }
    }
}
