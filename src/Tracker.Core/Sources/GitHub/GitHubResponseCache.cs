using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Octokit;
using Octokit.Caching;
using Octokit.Internal;

namespace Tracker.Core.Sources.GitHub;

/// <summary>
/// Octokit's response cache over an <see cref="IHttpCacheStore"/>. Octokit's <c>CachingHttpClient</c> asks it for a
/// GET's previous response, sends that response's ETag as <c>If-None-Match</c>, and on a 304 returns the cached
/// response instead. Only successful responses that carry an ETag are stored (a later error never replaces a good
/// entry). The key is method + full URL + Accept + a hash of the token: GitHub's ETags are per token, and a response
/// seen with one token must not be revalidated with another.
/// </summary>
public sealed class GitHubResponseCache : IResponseCache
{
    private readonly IHttpCacheStore _store;
    private readonly string _tokenHash;

    public GitHubResponseCache(IHttpCacheStore store, IOptions<GitHubOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _tokenHash = TokenHash(options.Value.Token);
    }

    public static string TokenHash(string? token) =>
        string.IsNullOrEmpty(token) ? "anonymous" : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))[..16];

    public string Key(IRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var url = new Uri(request.BaseAddress, request.Endpoint).AbsoluteUri;
        var accept = request.Headers.TryGetValue("Accept", out var a) ? a : "";
        return $"github:{_tokenHash}:{request.Method.Method} {url} accept={accept}";
    }

    public async Task<CachedResponse.V1> GetAsync(IRequest request)
    {
        var bytes = await _store.GetAsync(Key(request), CancellationToken.None).ConfigureAwait(false);
        return bytes is null ? null! : Deserialize(bytes)!;
    }

    public Task SetAsync(IRequest request, CachedResponse.V1 cachedResponse)
    {
        ArgumentNullException.ThrowIfNull(cachedResponse);
        // Serialised before the first await: Octokit does not await this call.
        var bytes = Serialize(cachedResponse);
        return bytes is null ? Task.CompletedTask : _store.SetAsync(Key(request), bytes, CancellationToken.None);
    }

    internal static byte[]? Serialize(CachedResponse.V1 response)
    {
        var status = (int)response.StatusCode;
        if (status is < 200 or > 299 || response.Headers is null
            || !response.Headers.Any(h => string.Equals(h.Key, "ETag", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(h.Value)))
        {
            return null;
        }

        var entry = new CachedEntryWire
        {
            Status = status,
            ContentType = response.ContentType,
            Headers = response.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
        };
        switch (response.Body)
        {
            case string text:
                entry.Body = text;
                break;
            case byte[] binary:
                entry.BodyBase64 = Convert.ToBase64String(binary);
                break;
            case null:
                break;
            default:
                return null; // a stream: not worth caching
        }

        return JsonSerializer.SerializeToUtf8Bytes(entry, GitHubCacheJsonContext.Default.CachedEntryWire);
    }

    internal static CachedResponse.V1? Deserialize(byte[] bytes)
    {
        try
        {
            var entry = JsonSerializer.Deserialize(bytes, GitHubCacheJsonContext.Default.CachedEntryWire);
            if (entry?.Headers is null)
            {
                return null;
            }

            object? body = entry.BodyBase64 is { } b64 ? Convert.FromBase64String(b64) : entry.Body;
            // Octokit re-parses the ApiInfo (ETag, links, rate limit) from the headers when it uses the entry.
            return new CachedResponse.V1(body, entry.Headers, null, (HttpStatusCode)entry.Status, entry.ContentType);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return null; // an unreadable entry is a miss
        }
    }
}

internal sealed class CachedEntryWire
{
    [JsonPropertyName("status")] public int Status { get; set; }
    [JsonPropertyName("contentType")] public string? ContentType { get; set; }
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    [JsonPropertyName("body")] public string? Body { get; set; }
    [JsonPropertyName("bodyBase64")] public string? BodyBase64 { get; set; }
}

[JsonSerializable(typeof(CachedEntryWire))]
internal sealed partial class GitHubCacheJsonContext : JsonSerializerContext;
