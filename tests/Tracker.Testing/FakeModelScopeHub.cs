using System.Collections.Concurrent;
using System.Globalization;
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

/// <summary>One request the fake received; <see cref="Page"/> and <see cref="PageSize"/> as the client asked them.</summary>
public sealed record FakeModelScopeRequest(string Method, string PathAndQuery, bool Legacy, string? Owner, int Page, int PageSize, string? Body);

/// <summary>
/// A ModelScope hub on loopback (Kestrel, real HTTP, port 0). It answers the OpenAPI listing
/// <c>GET /openapi/v1/models?owner=&amp;page_number=&amp;page_size=</c> with
/// <c>{"success":true,"data":{"models":[…],"total_count":N}}</c>, refusing <c>page_size &gt; 50</c> and
/// <c>page_number * page_size &gt; 3000</c> with HTTP 400 and <c>{"success":false,"message":"InvalidParameter: …"}</c>,
/// and the legacy listing <c>PUT /api/v1/models/</c> (<c>{"Path","PageNumber","PageSize"}</c> →
/// <c>{"Code":200,"Data":{"Models":[…],"TotalCount":N},…}</c>) with the legacy field names. Times vary in form
/// (Unix seconds as a number or a string, ISO-8601), unknown fields are added, null fields left out. Faults are injected per test.
/// </summary>
public sealed class FakeModelScopeHub : IAsyncDisposable
{
    public const int OpenApiWindow = 3000;
    public const int OpenApiMaxPageSize = 50;
    private const string LegacyModelsKey = "Models";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeModelScopeRequest> _requests = new();
    private List<FakeModel> _models = [];
    private Dictionary<FakeModel, int> _index = new(ReferenceEqualityComparer.Instance);
    private int _pendingRateLimits;

    private FakeModelScopeHub(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = default!;

    /// <summary>Every request, in arrival order.</summary>
    public IReadOnlyCollection<FakeModelScopeRequest> Requests => _requests;

    public IReadOnlyList<FakeModel> Models => _models;

    /// <summary>Every request answers 500.</summary>
    public bool FailAll { get; set; }

    /// <summary>Owners whose listings answer 500.</summary>
    public ConcurrentDictionary<string, bool> FailingOwners { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>(owner, 1-based page) answered with a truncated JSON body, on either listing.</summary>
    public ConcurrentDictionary<(string Owner, int Page), bool> MalformedPages { get; } = new();

    /// <summary>Listing pages (OpenAPI) that break off midway: part of the body, then the connection aborted.</summary>
    public ConcurrentDictionary<(string Owner, int Page), bool> BrokenPages { get; } = new();

    /// <summary>(owner, 1-based page) answered HTTP 200 with <c>success:false</c> (legacy: a non-200 <c>Code</c>).</summary>
    public ConcurrentDictionary<(string Owner, int Page), bool> UnsuccessfulPages { get; } = new();

    /// <summary>Raw legacy item objects served by the legacy listing for an owner (paged), instead of generated ones.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<JsonObject>> RawLegacyItems { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Leave <c>total_count</c> out of OpenAPI answers.</summary>
    public bool OmitTotalCount { get; set; }

    /// <summary>A delay before each answer (to exceed an attempt timeout, or stop a collection mid-run).</summary>
    public TimeSpan PageDelay { get; set; }

    /// <summary>Seconds announced in <c>Retry-After</c> on an injected 429.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    public int RateLimited { get; private set; }

    /// <summary>The Authorization header of the last request, to check the token is sent.</summary>
    public string? LastAuthorization { get; private set; }

    /// <summary>The Cookie header of the last request.</summary>
    public string? LastCookie { get; private set; }

    public static async Task<FakeModelScopeHub> StartAsync(IEnumerable<FakeModel>? models = null, int port = 0)
    {
        var app = FakeHost.CreateBuilder(port).Build();
        var hub = new FakeModelScopeHub(app);
        hub.SetModels(models ?? []);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hub.Endpoint = new Uri(address.TrimEnd('/') + "/");
        return hub;
    }

    /// <summary>Seeds the hub. For ModelScope, <see cref="FakeModel.DownloadsAllTime"/> is the downloads counter and
    /// <see cref="FakeModel.Likes"/> the likes; <see cref="FakeModel.Downloads"/> (30 days) does not exist there.</summary>
    public void SetModels(IEnumerable<FakeModel> models)
    {
        List<FakeModel> sorted = [.. models.OrderBy(m => m.Id, StringComparer.Ordinal)];
        var index = new Dictionary<FakeModel, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < sorted.Count; i++)
        {
            index[sorted[i]] = i;
        }

        _index = index;
        _models = sorted;
    }

    /// <summary>The next <paramref name="count"/> requests answer 429 with <c>Retry-After</c>.</summary>
    public void RateLimitNext(int count) => Interlocked.Exchange(ref _pendingRateLimits, count);

    public void ClearRequests() => _requests.Clear();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        LastAuthorization = request.Headers.Authorization;
        LastCookie = request.Headers.Cookie;
        var path = request.Path.Value?.TrimEnd('/') ?? "";

        string owner;
        int page, size;
        bool legacy;
        string? body = null;
        if (HttpMethods.IsGet(request.Method) && path == "/openapi/v1/models")
        {
            legacy = false;
            owner = request.Query["owner"].ToString();
            page = int.TryParse(request.Query["page_number"], CultureInfo.InvariantCulture, out var p) ? p : 1;
            size = int.TryParse(request.Query["page_size"], CultureInfo.InvariantCulture, out var s) ? s : 10;
        }
        else if (HttpMethods.IsPut(request.Method) && path == "/api/v1/models")
        {
            legacy = true;
            using var reader = new StreamReader(request.Body);
            body = await reader.ReadToEndAsync(context.RequestAborted);
            try
            {
                using var json = JsonDocument.Parse(body);
                var root = json.RootElement;
                owner = root.TryGetProperty("Path", out var o) ? o.GetString() ?? "" : "";
                page = root.TryGetProperty("PageNumber", out var p) ? p.GetInt32() : 1;
                size = root.TryGetProperty("PageSize", out var s) ? s.GetInt32() : 10;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                _requests.Enqueue(new(request.Method, request.Path + request.QueryString, true, null, 0, 0, body));
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.Response.WriteAsJsonAsync(new { Code = 400, Message = "invalid request body", Success = false });
                return;
            }
        }
        else
        {
            _requests.Enqueue(new(request.Method, request.Path + request.QueryString, false, null, 0, 0, null));
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsJsonAsync(new { Code = 404, Message = "not found", Success = false });
            return;
        }

        _requests.Enqueue(new(request.Method, request.Path + request.QueryString, legacy, owner, page, size, body));

        if (PageDelay > TimeSpan.Zero)
        {
            await Task.Delay(PageDelay, context.RequestAborted);
        }

        if (Interlocked.Decrement(ref _pendingRateLimits) >= 0)
        {
            RateLimited++;
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(new { success = false, message = "Too many requests" });
            return;
        }

        if (FailAll || FailingOwners.ContainsKey(owner))
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            await context.Response.WriteAsync("Internal Server Error");
            return;
        }

        if (legacy)
        {
            await LegacyListingAsync(context, owner, page, size);
        }
        else
        {
            await OpenApiListingAsync(context, owner, page, size);
        }
    }

    private async Task OpenApiListingAsync(HttpContext context, string owner, int page, int size)
    {
        if (page < 1 || size < 1 || size > OpenApiMaxPageSize)
        {
            await InvalidAsync(context, $"InvalidParameter: page_number must be >= 1 and page_size between 1 and {OpenApiMaxPageSize}");
            return;
        }

        if ((long)page * size > OpenApiWindow)
        {
            await InvalidAsync(context, $"InvalidParameter: page_number * page_size must be <= {OpenApiWindow}");
            return;
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        if (MalformedPages.ContainsKey((owner, page)))
        {
            await context.Response.WriteAsync("{\"success\":true,\"data\":{\"models\":[{\"id\":\"" + owner + "/broken\",\"downloads\":12,");
            return;
        }

        if (BrokenPages.ContainsKey((owner, page)))
        {
            await FakeHost.BreakOffAsync(context, "{\"success\":true,\"data\":{\"models\":[{\"id\":\"" + owner + "/cut\",");
            return;
        }

        if (UnsuccessfulPages.ContainsKey((owner, page)))
        {
            await context.Response.WriteAsync("{\"success\":false,\"code\":\"InternalError\",\"message\":\"The service is busy, try again later\"}");
            return;
        }

        var matching = Matching(owner);
        var items = matching.Skip((page - 1) * size).Take(size).Select(m => OpenApiItem(m, _index[m]));
        var data = new JsonObject { ["models"] = new JsonArray([.. items]) };
        if (!OmitTotalCount)
        {
            data["total_count"] = matching.Count;
        }

        var envelope = new JsonObject { ["success"] = true, ["request_id"] = Guid.NewGuid().ToString(), ["data"] = data };
        await context.Response.WriteAsync(envelope.ToJsonString());
    }

    private async Task LegacyListingAsync(HttpContext context, string owner, int page, int size)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        if (MalformedPages.ContainsKey((owner, page)))
        {
            await context.Response.WriteAsync("<html><body>502 Bad Gateway</body></html>");
            return;
        }

        if (UnsuccessfulPages.ContainsKey((owner, page)))
        {
            await context.Response.WriteAsync("{\"Code\":10010101,\"Data\":null,\"Message\":\"system error\",\"Success\":false}");
            return;
        }

        page = Math.Max(page, 1);
        size = Math.Clamp(size, 1, 100);
        List<JsonObject> all = RawLegacyItems.TryGetValue(owner, out var raw)
            ? [.. raw]
            : [.. Matching(owner).Select(m => LegacyItem(m, _index[m]))];
        var items = all.Skip((page - 1) * size).Take(size).Select(o => o.DeepClone());
        var envelope = new JsonObject
        {
            ["Code"] = 200,
            ["Data"] = new JsonObject { [LegacyModelsKey] = new JsonArray([.. items]), ["TotalCount"] = all.Count },
            ["Message"] = "success",
            ["RequestId"] = Guid.NewGuid().ToString(),
            ["Success"] = true,
        };
        await context.Response.WriteAsync(envelope.ToJsonString());
    }

    private List<FakeModel> Matching(string owner) =>
        [.. _models.Where(m => string.Equals(m.Author, owner, StringComparison.OrdinalIgnoreCase))];

    private static async Task InvalidAsync(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        await context.Response.WriteAsJsonAsync(new { success = false, code = "InvalidParameter", message });
    }

    /// <summary>
    /// An OpenAPI item. <c>created_at</c> is Unix seconds as a number (i % 3 == 0), as a numeric string (1) or
    /// ISO-8601 (2); tasks are strings for even i, <c>{"Name","ChineseName"}</c> objects for odd i.
    /// </summary>
    public static JsonObject OpenApiItem(FakeModel m, int i)
    {
        ArgumentNullException.ThrowIfNull(m);
        var o = new JsonObject { ["id"] = m.Id, ["display_name"] = m.Id.Split('/')[1], ["private"] = false };
        Put(o, "downloads", m.DownloadsAllTime);
        Put(o, "likes", m.Likes);
        if (m.CreatedAt is { } created)
        {
            var seconds = new DateTimeOffset(created).ToUnixTimeSeconds();
            o["created_at"] = (i % 3) switch
            {
                0 => seconds,
                1 => seconds.ToString(CultureInfo.InvariantCulture),
                _ => created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
            o["last_modified"] = created.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", CultureInfo.InvariantCulture);
        }

        Put(o, "license", License(m));
        if (m.Tags is not null)
        {
            o["tags"] = new JsonArray([.. PlainTags(m).Select(t => (JsonNode?)t)]);
        }

        if (m.PipelineTag is not null)
        {
            o["tasks"] = i % 2 == 0
                ? new JsonArray(m.PipelineTag)
                : new JsonArray(new JsonObject { ["Name"] = m.PipelineTag, ["ChineseName"] = "任务" });
        }

        Put(o, "gated", m.Gated switch { bool b => b, string s => s, _ => null });
        o["file_size"] = m.ParameterTotal is { } total ? total * 2 : 0;
        // Fields a client has never heard of must be ignored.
        o["someFutureField"] = new JsonObject { ["nested"] = new JsonArray(1, 2, 3) };
        return o;
    }

    /// <summary>A legacy-listing item: Path + Name, Downloads, Stars (Likes for odd i), epoch-second times, Tasks objects.</summary>
    public static JsonObject LegacyItem(FakeModel m, int i)
    {
        ArgumentNullException.ThrowIfNull(m);
        var parts = m.Id.Split('/', 2);
        var o = new JsonObject { ["Id"] = 100_000 + i, ["Path"] = parts[0], ["Name"] = parts[1], ["ChineseName"] = "", ["Visibility"] = 5 };
        Put(o, "Downloads", m.DownloadsAllTime);
        Put(o, i % 2 == 0 ? "Stars" : "Likes", m.Likes);
        if (m.CreatedAt is { } created)
        {
            o["CreatedTime"] = new DateTimeOffset(created).ToUnixTimeSeconds();
            o["LastUpdatedTime"] = new DateTimeOffset(created.AddDays(3)).ToUnixTimeSeconds();
        }

        Put(o, "License", License(m));
        if (m.PipelineTag is not null)
        {
            o["Tasks"] = new JsonArray(new JsonObject { ["Name"] = m.PipelineTag, ["ChineseName"] = "任务" });
        }

        if (m.Tags is not null)
        {
            o["Tags"] = new JsonArray([.. PlainTags(m).Select(t => (JsonNode?)t)]);
        }

        o["Libraries"] = new JsonArray(m.LibraryName ?? "pytorch");
        return o;
    }

    /// <summary>The license ModelScope reports: the Hugging Face-style <c>license:</c> tag of the fake.</summary>
    public static string? License(FakeModel m) =>
        m?.Tags?.FirstOrDefault(t => t.StartsWith("license:", StringComparison.Ordinal))?["license:".Length..];

    /// <summary>The tags ModelScope reports: the fake's tags without the <c>license:</c> one.</summary>
    public static IReadOnlyList<string> PlainTags(FakeModel m) =>
        [.. (m?.Tags ?? []).Where(t => !t.StartsWith("license:", StringComparison.Ordinal))];

    private static void Put(JsonObject o, string key, JsonNode? value)
    {
        if (value is not null)
        {
            o[key] = value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Generated ModelScope orgs for the four families (Qwen, deepseek-ai, Tencent-Hunyuan, PaddlePaddle), with the
/// fields ModelScope reports and some left out. Deterministic for a seed.
/// </summary>
public static class ModelScopeEcosystem
{
    public static readonly string[] Orgs = ["Qwen", "deepseek-ai", "Tencent-Hunyuan", "PaddlePaddle"];

    private static readonly Dictionary<string, string> Families = new(StringComparer.Ordinal)
    {
        ["Qwen"] = "qwen",
        ["deepseek-ai"] = "deepseek",
        ["Tencent-Hunyuan"] = "hunyuan",
        ["PaddlePaddle"] = "ernie",
    };

    public static List<FakeModel> Generate(int seed = 1, int perOrg = 12) =>
        [.. Orgs.SelectMany((org, k) => Org(org, perOrg, seed + k))];

    /// <summary><paramref name="count"/> models of one owner; every 7th has no creation date, every 9th no downloads, every 10th no likes.</summary>
    public static List<FakeModel> Org(string owner, int count, int seed = 1)
    {
        var random = new Random(seed);
        var start = new DateTime(2023, 8, 1, 0, 0, 0, DateTimeKind.Utc);
        string[] tasks = ["text-generation", "image-text-to-text", "text-to-image-synthesis", "sentence-embedding", "auto-speech-recognition"];
        var family = Families.GetValueOrDefault(owner);
        return [.. Enumerable.Range(0, count).Select(i => new FakeModel(
            $"{owner}/{owner}-model-{i.ToString("D4", CultureInfo.InvariantCulture)}",
            family,
            CreatedAt: i % 7 == 3 ? null : start.AddDays(random.Next(0, 900)).AddSeconds(random.Next(0, 86400)),
            Downloads: null,
            DownloadsAllTime: i % 9 == 4 ? null : random.Next(0, 9_000_000),
            Likes: i % 10 == 6 ? null : random.Next(0, 500),
            PipelineTag: i % 11 == 8 ? null : tasks[random.Next(tasks.Length)],
            LibraryName: null,
            Tags: i % 5 == 2 ? null : ["chat", $"license:{(i % 3 == 0 ? "apache-2.0" : "other")}"],
            Gated: i % 4 == 1 ? false : null))];
    }
}
