using System.Buffers.Binary;
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

    /// <summary>
    /// An entry: a marker byte, the length of a small JSON head (status, content type, headers, the body's kind), the head,
    /// then the body as it came — UTF-8 text or bytes. The body, a JSON document itself, is not escaped into a JSON string:
    /// that cost the collection a pass over every cached byte and made the entries a sixth larger.
    /// </summary>
    internal static byte[]? Serialize(CachedResponse.V1 response)
    {
        var status = (int)response.StatusCode;
        if (status is < 200 or > 299 || response.Headers is null
            || !response.Headers.Any(h => string.Equals(h.Key, "ETag", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(h.Value)))
        {
            return null;
        }

        var head = new CachedEntryWire
        {
            Status = status,
            ContentType = response.ContentType,
            Headers = response.Headers.ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal),
        };
        switch (response.Body)
        {
            case string:
                head.BodyKind = TextBody;
                break;
            case byte[]:
                head.BodyKind = BinaryBody;
                break;
            case null:
                break;
            default:
                return null; // a stream: not worth caching
        }

        var headBytes = JsonSerializer.SerializeToUtf8Bytes(head, GitHubCacheJsonContext.Default.CachedEntryWire);
        var bodyLength = response.Body switch
        {
            string text => Encoding.UTF8.GetByteCount(text),
            byte[] binary => binary.Length,
            _ => 0,
        };
        var entry = new byte[1 + sizeof(int) + headBytes.Length + bodyLength];
        entry[0] = Marker;
        BinaryPrimitives.WriteInt32LittleEndian(entry.AsSpan(1), headBytes.Length);
        headBytes.CopyTo(entry.AsSpan(1 + sizeof(int)));
        var body = entry.AsSpan(1 + sizeof(int) + headBytes.Length);
        switch (response.Body)
        {
            case string text:
                Encoding.UTF8.GetBytes(text, body);
                break;
            case byte[] binary:
                binary.CopyTo(body);
                break;
        }

        return entry;
    }

    internal static CachedResponse.V1? Deserialize(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            if (bytes.Length < 1 + sizeof(int) || bytes[0] != Marker)
            {
                return DeserializeJson(bytes);
            }

            var headLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(1));
            if (headLength < 0 || headLength > bytes.Length - 1 - sizeof(int))
            {
                return null;
            }

            var head = JsonSerializer.Deserialize(bytes.AsSpan(1 + sizeof(int), headLength), GitHubCacheJsonContext.Default.CachedEntryWire);
            if (head?.Headers is null)
            {
                return null;
            }

            var body = bytes.AsSpan(1 + sizeof(int) + headLength);
            object? content = head.BodyKind switch
            {
                TextBody => Encoding.UTF8.GetString(body),
                BinaryBody => body.ToArray(),
                _ => null,
            };
            // Octokit re-parses the ApiInfo (ETag, links, rate limit) from the headers when it uses the entry.
            return new CachedResponse.V1(content, head.Headers, null, (HttpStatusCode)head.Status, head.ContentType);
        }
        catch (Exception e) when (e is JsonException or FormatException or ArgumentException)
        {
            return null; // an unreadable entry is a miss
        }
    }

    /// <summary>An entry as stored before the raw-body form: the whole response as one JSON object.</summary>
    private static CachedResponse.V1? DeserializeJson(byte[] bytes)
    {
        var entry = JsonSerializer.Deserialize(bytes, GitHubCacheJsonContext.Default.CachedEntryWire);
        if (entry?.Headers is null)
        {
            return null;
        }

        object? body = entry.BodyBase64 is { } b64 ? Convert.FromBase64String(b64) : entry.Body;
        return new CachedResponse.V1(body, entry.Headers, null, (HttpStatusCode)entry.Status, entry.ContentType);
    }

    /// <summary>First byte of an entry in the raw-body form; a JSON entry starts with <c>{</c>.</summary>
    private const byte Marker = 2;

    private const string TextBody = "text";
    private const string BinaryBody = "binary";
}

internal sealed class CachedEntryWire
{
    [JsonPropertyName("status")] public int Status { get; set; }
    [JsonPropertyName("contentType")] public string? ContentType { get; set; }
    [JsonPropertyName("headers")] public Dictionary<string, string>? Headers { get; set; }
    [JsonPropertyName("bodyKind")] public string? BodyKind { get; set; }

    // The body inside the JSON, as entries were stored before the raw-body form: read, never written.
    [JsonPropertyName("body")] public string? Body { get; set; }
    [JsonPropertyName("bodyBase64")] public string? BodyBase64 { get; set; }
}

[JsonSerializable(typeof(CachedEntryWire))]
internal sealed partial class GitHubCacheJsonContext : JsonSerializerContext;
