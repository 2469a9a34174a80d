using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tracker.Testing;

/// <summary>
/// A Hugging Face Hub on loopback (Kestrel, real HTTP, port 0) that answers <c>GET /api/models</c> as the real one does:
/// <c>author</c> filter, <c>limit</c>, <c>expand[]</c> projections (only <c>_id</c>, <c>id</c> and the expanded keys),
/// an opaque cursor in <c>Link: &lt;…&gt;; rel="next"</c>, fields it does not know left out, unknown extra fields,
/// and 429s with the <c>RateLimit</c> / <c>RateLimit-Policy</c> headers. Faults are injected per test.
/// </summary>
public sealed class FakeHuggingFaceHub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();
    private List<FakeModel> _models = [];
    private Dictionary<string, FakeModel> _byId = new(StringComparer.OrdinalIgnoreCase);
    // Each base's children in the Hub's order (newest first), kept per list and sorted again when its count changes
    // (tests add children to a base's list, or replace the list).
    private readonly ConditionalWeakTable<List<FakeChild>, SortedChildrenOf> _sorted = [];
    private int _pendingRateLimits;
    private readonly Lock _quotaLock = new();
    private DateTime _windowStart = DateTime.UtcNow;
    private int _windowCount;

    private FakeHuggingFaceHub(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = default!;

    /// <summary>Every request's path and query, in arrival order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public int RequestCount => _requests.Count;

    /// <summary>Listing requests answered with malformed JSON: (author, 1-based page number).</summary>
    public ConcurrentDictionary<(string Author, int Page), bool> MalformedPages { get; } = new();

    /// <summary>Listing bodies served verbatim for an author (recorded real responses), instead of generated models.</summary>
    public ConcurrentDictionary<string, string> RawListings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Lineage bodies served verbatim for a base model id, as one page, instead of its generated children.</summary>
    public ConcurrentDictionary<string, string> RawChildren { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Base model ids whose lineage page breaks off midway: part of the body, then the connection aborted.</summary>
    public ConcurrentDictionary<string, bool> BrokenChildren { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Lineage pages answered with malformed JSON: (base model id, 1-based page number).</summary>
    public ConcurrentDictionary<(string BaseId, int Page), bool> MalformedChildren { get; } = new();

    /// <summary>The model tree: children per base model id (case-insensitive).</summary>
    public ConcurrentDictionary<string, List<FakeChild>> Children { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Answer childrenModelCount as an object per relation (true) or as a bare integer (false).</summary>
    public bool ChildrenCountAsObject { get; set; } = true;

    /// <summary>Trending scores per model id for <c>sort=trendingScore</c>; a model not listed scores its likes.</summary>
    public ConcurrentDictionary<string, double> TrendingScores { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Authors whose listing answers 500.</summary>
    public ConcurrentDictionary<string, bool> FailingAuthors { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A delay before each page, to let a test kill a collection mid-run.</summary>
    public TimeSpan PageDelay { get; set; }

    /// <summary>Called with the author before each listing page is answered, to let a test act at that moment.</summary>
    public Func<string, Task>? BeforeListing { get; set; }

    /// <summary>Seconds announced in <c>RateLimit: …;t=</c> on an injected 429.</summary>
    public int RateLimitResetSeconds { get; set; } = 1;

    /// <summary>When set, enforce a fixed-window quota: past <c>Limit</c> requests per <c>Window</c>, answer 429.</summary>
    public (int Limit, TimeSpan Window)? Quota { get; set; }

    public int RateLimited { get; private set; }

    /// <summary>The Authorization header of the last request, to check the token is sent.</summary>
    public string? LastAuthorization { get; private set; }

    public IReadOnlyList<FakeModel> Models => _models;

    public static async Task<FakeHuggingFaceHub> StartAsync(IEnumerable<FakeModel>? models = null, int port = 0)
    {
        var app = FakeHost.CreateBuilder(port).Build();
        var hub = new FakeHuggingFaceHub(app);
        hub.SetModels(models ?? []);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return hub;
    }

    public void SetModels(IEnumerable<FakeModel> models)
    {
        _models = [.. models];
        var byId = new Dictionary<string, FakeModel>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in _models)
        {
            byId.TryAdd(model.Id, model);
        }

        _byId = byId;
    }

    /// <summary>
    /// Puts every base's children in the Hub's order now, so no request pays for it (the benchmark calls this before it
    /// measures: otherwise the first pass over the tree would pay for sorting it and the next would not).
    /// </summary>
    public void PrepareChildren()
    {
        foreach (var list in Children.Values)
        {
            _ = SortedChildren(list);
        }
    }

    private FakeChild[] SortedChildren(List<FakeChild> list)
    {
        if (_sorted.TryGetValue(list, out var cached) && cached.Count == list.Count)
        {
            return cached.Children;
        }

        var sorted = new SortedChildrenOf(list.Count, [.. list.OrderByDescending(x => x.CreatedAt).ThenBy(x => x.Id, StringComparer.Ordinal)]);
        _sorted.AddOrUpdate(list, sorted);
        return sorted.Children;
    }

    private sealed record SortedChildrenOf(int Count, FakeChild[] Children);

    /// <summary>The next <paramref name="count"/> requests answer 429 with RateLimit headers.</summary>
    public void RateLimitNext(int count) => Interlocked.Exchange(ref _pendingRateLimits, count);

    public void ClearRequests() => _requests.Clear();

    /// <summary>The most requests the hub has been answering at once.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    private int _inFlight;
    private int _maxInFlight;

    private async Task HandleAsync(HttpContext context)
    {
        var now = Interlocked.Increment(ref _inFlight);
        for (var max = Volatile.Read(ref _maxInFlight); now > max; max = Volatile.Read(ref _maxInFlight))
        {
            _ = Interlocked.CompareExchange(ref _maxInFlight, now, max);
        }

        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        _requests.Enqueue(request.Path + request.QueryString);
        LastAuthorization = request.Headers.Authorization;

        if (Quota is { } quota)
        {
            if (!WithinQuota(quota.Limit, quota.Window, out var reset, out var remaining))
            {
                await TooManyAsync(context, quota.Limit, reset);
                return;
            }

            // As the Hub does on every answer: what is left of the window and when it resets.
            context.Response.Headers["RateLimit"] = $"\"api\";r={remaining.ToString(CultureInfo.InvariantCulture)};t={reset.ToString(CultureInfo.InvariantCulture)}";
            context.Response.Headers["RateLimit-Policy"] = $"\"fixed window\";\"api\";q={quota.Limit.ToString(CultureInfo.InvariantCulture)};w={((int)quota.Window.TotalSeconds).ToString(CultureInfo.InvariantCulture)}";
        }

        if (Interlocked.Decrement(ref _pendingRateLimits) >= 0)
        {
            await TooManyAsync(context, 500, RateLimitResetSeconds);
            return;
        }

        if (request.Path == "/api/models")
        {
            if (request.Query["filter"].ToString() is { } filter && filter.StartsWith("base_model:", StringComparison.Ordinal))
            {
                await ListChildrenAsync(context, filter["base_model:".Length..]);
            }
            else
            {
                await ListModelsAsync(context);
            }

            return;
        }

        if (request.Path.StartsWithSegments("/api/models", out var rest) && rest.Value is { Length: > 1 } id)
        {
            await ModelInfoAsync(context, id.TrimStart('/'));
            return;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        await context.Response.WriteAsJsonAsync(new { error = "Repository not found" });
    }

    // https://huggingface.co/docs/hub/api#get-apimodels
    private async Task ListModelsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var author = query["author"].ToString();
        var limit = int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 1000) : 1000;
        var offset = query["cursor"].ToString() is { Length: > 0 } c ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(c)), CultureInfo.InvariantCulture) : 0;
        var page = (offset / limit) + 1;
        var expand = query["expand[]"].Concat(query["expand"]).Select(e => e!).ToHashSet(StringComparer.Ordinal);

        if (PageDelay > TimeSpan.Zero)
        {
            await Task.Delay(PageDelay, context.RequestAborted);
        }

        if (BeforeListing is { } before)
        {
            await before(author);
        }

        if (FailingAuthors.ContainsKey(author))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("Internal Error");
            return;
        }

        if (RawListings.TryGetValue(author, out var raw))
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(raw);
            return;
        }

        var filtered = _models.Where(m => author.Length == 0 || string.Equals(m.Author, author, StringComparison.OrdinalIgnoreCase));
        // sort=trendingScore is always descending on the Hub (the direction parameter is obsolete).
        var matching = (query["sort"].ToString() == "trendingScore"
                ? filtered.OrderByDescending(TrendingScore).ThenBy(m => m.Id, StringComparer.Ordinal)
                : filtered.OrderBy(m => m.Id, StringComparer.Ordinal))
            .ToList();
        var items = matching.Skip(offset).Take(limit).ToList();
        if (offset + limit < matching.Count)
        {
            var next = QueryString.Create(query.Where(kv => kv.Key != "cursor").SelectMany(kv => kv.Value.Select(v => KeyValuePair.Create(kv.Key, v))))
                .Add("cursor", Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + limit).ToString(CultureInfo.InvariantCulture))));
            context.Response.Headers["Link"] = $"<{Endpoint.AbsoluteUri.TrimEnd('/')}/api/models{next}>; rel=\"next\"";
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        if (MalformedPages.ContainsKey((author, page)))
        {
            await context.Response.WriteAsync("[{\"_id\":\"1\",\"id\":\"" + author + "/broken\",\"downloads\":12,");
            return;
        }

        var array = new JsonArray([.. items.Select(m =>
        {
            var o = Project(m, expand);
            if (expand.Contains("trendingScore"))
            {
                o["trendingScore"] = TrendingScore(m);
            }

            return o;
        })]);
        await context.Response.WriteAsync(array.ToJsonString());
    }

    private double TrendingScore(FakeModel m) => TrendingScores.TryGetValue(m.Id, out var score) ? score : m.Likes ?? 0;

    // GET /api/models/{id}?expand[]=childrenModelCount
    private async Task ModelInfoAsync(HttpContext context, string id)
    {
        if (!_byId.TryGetValue(id, out var model))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsJsonAsync(new { error = "Repository not found" });
            return;
        }

        var children = Children.TryGetValue(model.Id, out var list) ? list : [];
        JsonNode count = ChildrenCountAsObject ? CountsByRelation(children) : JsonValue.Create(children.Count);
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(new JsonObject { ["_id"] = "0", ["id"] = model.Id, ["childrenModelCount"] = count }.ToJsonString());
    }

    // One pass over the children: a base at the benchmark's scale has hundreds of thousands.
    private static JsonObject CountsByRelation(List<FakeChild> children)
    {
        var byRelation = children.CountBy(c => c.Relation).ToDictionary();
        return new JsonObject
        {
            ["finetune"] = byRelation.GetValueOrDefault("finetune"),
            ["quantized"] = byRelation.GetValueOrDefault("quantized"),
            ["adapter"] = byRelation.GetValueOrDefault("adapter"),
            ["merge"] = byRelation.GetValueOrDefault("merge"),
        };
    }

    // GET /api/models?filter=base_model:{id}&sort=createdAt — the Hub always sorts descending: newest first.
    private async Task ListChildrenAsync(HttpContext context, string baseId)
    {
        if (BrokenChildren.ContainsKey(baseId))
        {
            await FakeHost.BreakOffAsync(context, "[{\"_id\":\"0\",\"id\":\"someone/cut\",\"tags\":[\"base_model:");
            return;
        }

        if (RawChildren.TryGetValue(baseId, out var raw))
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(raw);
            return;
        }

        var query = context.Request.Query;
        var limit = int.TryParse(query["limit"], CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 1000) : 1000;
        var offset = query["cursor"].ToString() is { Length: > 0 } c ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(c)), CultureInfo.InvariantCulture) : 0;
        var children = Children.TryGetValue(baseId, out var list) ? SortedChildren(list) : [];
        if (offset + limit < children.Length)
        {
            var next = QueryString.Create(query.Where(kv => kv.Key != "cursor").SelectMany(kv => kv.Value.Select(v => KeyValuePair.Create(kv.Key, v))))
                .Add("cursor", Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + limit).ToString(CultureInfo.InvariantCulture))));
            context.Response.Headers["Link"] = $"<{Endpoint.AbsoluteUri.TrimEnd('/')}/api/models{next}>; rel=\"next\"";
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        if (MalformedChildren.ContainsKey((baseId, offset / limit + 1)))
        {
            await context.Response.WriteAsync("[{\"_id\":\"0\",\"id\":\"someone/broken\",\"createdAt\":");
            return;
        }

        // Written straight to the response: at the benchmark's scale the fake serves millions of children, and building
        // them as JSON nodes first cost more CPU than the client under measurement spends parsing them.
        await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
        json.WriteStartArray();
        foreach (var x in children.AsSpan(Math.Min(offset, children.Length), Math.Clamp(children.Length - offset, 0, limit)))
        {
            json.WriteStartObject();
            json.WriteString("_id", "0");
            json.WriteString("id", x.Id);
            json.WriteString("createdAt", x.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            json.WriteNumber("downloads", x.Downloads);
            json.WriteNumber("downloadsAllTime", x.DownloadsAllTime);
            json.WriteNumber("likes", x.Likes);
            json.WriteStartArray("tags");
            json.WriteStringValue("transformers");
            json.WriteStringValue("base_model:" + baseId);
            json.WriteStringValue($"base_model:{x.Relation}:{baseId}");
            json.WriteStringValue("region:us");
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    /// <summary>What the hub sends for one model: with expand, only _id, id and the expanded keys; a null field is absent.</summary>
    public static JsonObject Project(FakeModel m, IReadOnlySet<string> expand)
    {
        var all = expand.Count == 0;
        var o = new JsonObject { ["_id"] = Convert.ToHexString(Encoding.UTF8.GetBytes(m.Id))[..24].ToLowerInvariant(), ["id"] = m.Id };
        void Put(string key, JsonNode? value, bool defaultField)
        {
            if (value is not null && (expand.Contains(key) || (all && defaultField)))
            {
                o[key] = value;
            }
        }

        Put("author", m.Author, false);
        Put("downloads", m.Downloads, true);
        Put("downloadsAllTime", m.DownloadsAllTime, false);
        Put("likes", m.Likes, true);
        Put("createdAt", m.CreatedAt?.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), true);
        Put("lastModified", m.CreatedAt?.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), false);
        Put("pipeline_tag", m.PipelineTag, true);
        Put("library_name", m.LibraryName, true);
        Put("tags", m.Tags is null ? null : new JsonArray([.. m.Tags.Select(t => (JsonNode?)t)]), true);
        Put("gated", m.Gated switch { bool b => b, string s => s, _ => null }, false);
        Put("safetensors", m.ParameterTotal is null ? null : new JsonObject
        {
            ["parameters"] = new JsonObject([.. (m.ParameterDtypes ?? new Dictionary<string, long> { ["BF16"] = m.ParameterTotal.Value })
                .Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))]),
            ["total"] = m.ParameterTotal,
        }, false);
        if (all)
        {
            o["private"] = false;
            o["trendingScore"] = 3;
            o["modelId"] = m.Id;
        }

        // Fields a client has never heard of must be ignored.
        o["someFutureField"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) };
        return o;
    }

    private bool WithinQuota(int limit, TimeSpan window, out int resetSeconds, out int remaining)
    {
        lock (_quotaLock)
        {
            var now = DateTime.UtcNow;
            if (now - _windowStart >= window)
            {
                _windowStart = now;
                _windowCount = 0;
            }

            resetSeconds = (int)Math.Ceiling((_windowStart + window - now).TotalSeconds);
            remaining = Math.Max(0, limit - _windowCount - 1);
            return ++_windowCount <= limit;
        }
    }

    private async Task TooManyAsync(HttpContext context, int quota, int resetSeconds)
    {
        RateLimited++;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        // https://huggingface.co/docs/hub/rate-limits — IETF draft RateLimit headers.
        context.Response.Headers["RateLimit"] = $"\"api\";r=0;t={resetSeconds.ToString(CultureInfo.InvariantCulture)}";
        context.Response.Headers["RateLimit-Policy"] = $"\"fixed window\";\"api\";q={quota.ToString(CultureInfo.InvariantCulture)};w=300";
        await context.Response.WriteAsJsonAsync(new { error = "You have exceeded our hourly quotas for action: api." });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
