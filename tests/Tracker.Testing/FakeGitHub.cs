using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tracker.Testing;

/// <summary>A repository the fake serves; <see cref="Subscribers"/> is what GitHub calls watchers.</summary>
public sealed record FakeGitHubRepo(
    string Owner,
    string Name,
    long Id,
    int Stars,
    int Forks,
    int Subscribers,
    int OpenIssues,
    bool Archived = false,
    bool Fork = false,
    DateTime? CreatedAt = null,
    DateTime? PushedAt = null,
    IReadOnlyList<FakeGitHubRelease>? Releases = null)
{
    public string FullName => $"{Owner}/{Name}";
}

/// <summary>A release with its assets' download counts.</summary>
public sealed record FakeGitHubRelease(long Id, string Tag, string? Name, DateTime? PublishedAt, IReadOnlyList<int> AssetDownloads, bool Prerelease = false, bool Draft = false);

/// <summary>One request as the fake saw it.</summary>
public sealed record FakeGitHubRequest(string Method, string PathAndQuery, int Status, string? Authorization, string? IfNoneMatch, string? UserAgent);

/// <summary>
/// GitHub's REST API on loopback (Kestrel, real HTTP, port 0), serving the paths api.github.com serves, optionally
/// under a prefix such as <c>/api/v3/</c> (a GitHub Enterprise server): <c>GET orgs/{org}/repos</c>,
/// <c>GET repos/{o}/{r}</c> and <c>GET repos/{o}/{r}/releases</c>, with <c>per_page</c>/<c>page</c> and
/// <c>Link: &lt;…&gt;; rel="next"</c> pagination, strong ETags and 304s for <c>If-None-Match</c>, 301s for moved
/// repositories, <c>x-ratelimit-*</c> headers on every response and a quota that answers the primary rate limit as a
/// 403 (with GitHub's message) or a 429, both with <c>x-ratelimit-remaining: 0</c>. A 304 does not count against the
/// quota, as on GitHub for an authorised request.
/// </summary>
public sealed class FakeGitHub : IAsyncDisposable
{
    public const string RateLimitMessage =
        "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)";

    public const string RateLimitDocumentation = "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeGitHubRequest> _requests = new();
    private readonly Lock _quotaLock = new();
    private int _used;
    private int _pendingSecondary;

    private FakeGitHub(WebApplication app, string prefix)
    {
        _app = app;
        Prefix = prefix;
    }

    /// <summary>Where the API lives: the host root, or the prefix under it (always ending with a slash).</summary>
    public Uri ApiUrl { get; private set; } = default!;

    /// <summary>The path prefix served, "/" or e.g. "/api/v3/".</summary>
    public string Prefix { get; }

    public ConcurrentDictionary<string, FakeGitHubRepo> Repos { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Organisations that exist without repositories (others exist when they own a repository).</summary>
    public ConcurrentDictionary<string, bool> EmptyOrgs { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Moved repositories: old "owner/name" → new "owner/name"; the old paths answer 301.</summary>
    public ConcurrentDictionary<string, string> Moves { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Bodies served verbatim (recorded responses) for a path under the prefix, e.g. "repos/o/r".</summary>
    public ConcurrentDictionary<string, byte[]> RawBodies { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Paths under the prefix (e.g. "repos/o/r") whose answer breaks off midway: part of the body, then the connection aborted.</summary>
    public ConcurrentDictionary<string, bool> BrokenBodies { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Requests per hour; past it the primary rate limit answers.</summary>
    public int Limit { get; set; } = 5000;

    /// <summary>Status of the primary rate-limit answer: 403 (GitHub's usual) or 429.</summary>
    public int RateLimitStatus { get; set; } = StatusCodes.Status403Forbidden;

    /// <summary>When the quota window resets (x-ratelimit-reset).</summary>
    public DateTimeOffset ResetAt { get; set; } = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600);

    public int Used => Volatile.Read(ref _used);

    public int Remaining => Math.Max(0, Limit - Used);

    /// <summary>Every request in arrival order.</summary>
    public IReadOnlyCollection<FakeGitHubRequest> Requests => _requests;

    public static async Task<FakeGitHub> StartAsync(string prefix = "/", int port = 0)
    {
        prefix = "/" + prefix.Trim('/') + "/";
        prefix = prefix == "//" ? "/" : prefix;
        var app = FakeHost.CreateBuilder(port).Build();
        var fake = new FakeGitHub(app, prefix);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake.ApiUrl = new Uri(address.TrimEnd('/') + prefix);
        return fake;
    }

    public void Add(params FakeGitHubRepo[] repos)
    {
        foreach (var repo in repos)
        {
            Repos[repo.FullName] = repo;
        }
    }

    /// <summary>The next <paramref name="count"/> requests answer a secondary rate limit with <c>retry-after</c>.</summary>
    public void SecondaryRateLimitNext(int count) => Interlocked.Exchange(ref _pendingSecondary, count);

    public int SecondaryRetryAfterSeconds { get; set; } = 60;

    public void ClearRequests() => _requests.Clear();

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var status = await RespondAsync(context);
        _requests.Enqueue(new FakeGitHubRequest(
            request.Method, request.Path + request.QueryString, status,
            request.Headers.Authorization.FirstOrDefault(), request.Headers.IfNoneMatch.FirstOrDefault(), request.Headers.UserAgent.FirstOrDefault()));
    }

    private async Task<int> RespondAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal) || request.Method != HttpMethods.Get)
        {
            return await ErrorAsync(context, StatusCodes.Status404NotFound, "Not Found", countsAgainstQuota: false);
        }

        // Primary quota: a request past the limit is refused before anything else.
        bool exhausted;
        lock (_quotaLock)
        {
            exhausted = _used >= Limit;
        }

        if (exhausted)
        {
            return await ErrorAsync(context, RateLimitStatus, RateLimitMessage, countsAgainstQuota: false);
        }

        if (Interlocked.Decrement(ref _pendingSecondary) >= 0)
        {
            response.Headers["retry-after"] = SecondaryRetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return await ErrorAsync(context, StatusCodes.Status403Forbidden,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.", countsAgainstQuota: true);
        }

        var segments = path[Prefix.Length..].Trim('/').Split('/');
        var relative = string.Join('/', segments);
        if (RawBodies.TryGetValue(relative, out var raw))
        {
            return await OkAsync(context, raw, link: null);
        }

        if (BrokenBodies.ContainsKey(relative))
        {
            await FakeHost.BreakOffAsync(context, "{\"id\":1,\"full_name\":\"");
            return StatusCodes.Status200OK;
        }

        if (segments is ["orgs", var org, "repos"])
        {
            var repos = Repos.Values.Where(r => string.Equals(r.Owner, org, StringComparison.OrdinalIgnoreCase))
                .OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
            if (repos.Count == 0 && !EmptyOrgs.ContainsKey(org))
            {
                return await ErrorAsync(context, StatusCodes.Status404NotFound, "Not Found", countsAgainstQuota: true);
            }

            return await PageAsync(context, [.. repos.Select(r => (JsonNode)RepoJson(r, full: false))]);
        }

        if (segments is ["repos", var owner, var name, .. var rest] && rest is [] or ["releases"])
        {
            var releases = rest is ["releases"];
            if (Moved(owner, name) is { } moved)
            {
                return await MovedAsync(context, releases ? $"repos/{moved}/releases" : $"repos/{moved}");
            }

            if (!Repos.TryGetValue($"{owner}/{name}", out var repo))
            {
                return await ErrorAsync(context, StatusCodes.Status404NotFound, "Not Found", countsAgainstQuota: true);
            }

            return releases
                ? await PageAsync(context, [.. (repo.Releases ?? []).OrderByDescending(r => r.PublishedAt).Select(r => (JsonNode)ReleaseJson(repo, r))])
                : await OkAsync(context, Encoding.UTF8.GetBytes(RepoJson(repo, full: true).ToJsonString()), link: null);
        }

        return await ErrorAsync(context, StatusCodes.Status404NotFound, "Not Found", countsAgainstQuota: true);
    }

    private string? Moved(string owner, string name) => Moves.TryGetValue($"{owner}/{name}", out var to) ? to : null;

    private string Base(HttpContext context) => $"{context.Request.Scheme}://{context.Request.Host}{Prefix}";

    private async Task<int> PageAsync(HttpContext context, List<JsonNode> items)
    {
        var query = context.Request.Query;
        var perPage = int.TryParse(query["per_page"], CultureInfo.InvariantCulture, out var pp) ? Math.Clamp(pp, 1, 100) : 30;
        var page = int.TryParse(query["page"], CultureInfo.InvariantCulture, out var p) ? Math.Max(1, p) : 1;
        var last = Math.Max(1, (items.Count + perPage - 1) / perPage);
        var body = new JsonArray([.. items.Skip((page - 1) * perPage).Take(perPage).Select(i => i.DeepClone())]);

        string? link = null;
        if (last > 1)
        {
            var url = Base(context) + context.Request.Path.Value![Prefix.Length..];
            string Rel(int n, string rel) =>
                $"<{url}?per_page={perPage.ToString(CultureInfo.InvariantCulture)}&page={n.ToString(CultureInfo.InvariantCulture)}>; rel=\"{rel}\"";
            var rels = new List<string>();
            if (page < last)
            {
                rels.Add(Rel(page + 1, "next"));
                rels.Add(Rel(last, "last"));
            }

            if (page > 1)
            {
                rels.Add(Rel(1, "first"));
                rels.Add(Rel(page - 1, "prev"));
            }

            link = string.Join(", ", rels);
        }

        return await OkAsync(context, Encoding.UTF8.GetBytes(body.ToJsonString()), link);
    }

    private async Task<int> OkAsync(HttpContext context, byte[] body, string? link)
    {
        var response = context.Response;
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData([.. body, .. Encoding.UTF8.GetBytes(link ?? "")])) + "\"";
        response.Headers.ETag = etag;
        response.Headers.CacheControl = "private, max-age=60, s-maxage=60";
        response.Headers.Vary = "Accept, Authorization, Cookie, X-GitHub-OTP";
        if (link is not null)
        {
            response.Headers["Link"] = link;
        }

        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == etag)))
        {
            // As on GitHub for an authorised request, a 304 does not count against the primary quota.
            RateLimitHeaders(response);
            response.StatusCode = StatusCodes.Status304NotModified;
            return StatusCodes.Status304NotModified;
        }

        Spend();
        RateLimitHeaders(response);
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body);
        return StatusCodes.Status200OK;
    }

    private async Task<int> MovedAsync(HttpContext context, string target)
    {
        Spend();
        RateLimitHeaders(context.Response);
        var location = Base(context) + target;
        context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
        context.Response.Headers.Location = location;
        await context.Response.WriteAsJsonAsync(new
        {
            message = "Moved Permanently",
            url = location,
            documentation_url = "https://docs.github.com/rest/repos/repos#get-a-repository",
        });
        return StatusCodes.Status301MovedPermanently;
    }

    private async Task<int> ErrorAsync(HttpContext context, int status, string message, bool countsAgainstQuota)
    {
        if (countsAgainstQuota)
        {
            Spend();
        }

        RateLimitHeaders(context.Response);
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(new
        {
            message,
            documentation_url = message == RateLimitMessage ? RateLimitDocumentation : "https://docs.github.com/rest",
        });
        return status;
    }

    private void Spend()
    {
        lock (_quotaLock)
        {
            _used++;
        }
    }

    private void RateLimitHeaders(HttpResponse response)
    {
        response.Headers["x-ratelimit-limit"] = Limit.ToString(CultureInfo.InvariantCulture);
        response.Headers["x-ratelimit-remaining"] = Remaining.ToString(CultureInfo.InvariantCulture);
        response.Headers["x-ratelimit-reset"] = ResetAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        response.Headers["x-ratelimit-used"] = Math.Min(Used, Limit).ToString(CultureInfo.InvariantCulture);
        response.Headers["x-ratelimit-resource"] = "core";
    }

    private static string Time(DateTime? time) =>
        (time ?? new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc)).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A repository as GitHub sends it: the single GET adds <c>subscribers_count</c>, which listings omit.</summary>
    public JsonObject RepoJson(FakeGitHubRepo r, bool full)
    {
        var api = "https://api.github.com/repos/" + r.FullName;
        var o = new JsonObject
        {
            ["id"] = r.Id,
            ["node_id"] = "R_" + r.Id.ToString(CultureInfo.InvariantCulture),
            ["name"] = r.Name,
            ["full_name"] = r.FullName,
            ["private"] = false,
            ["owner"] = new JsonObject { ["login"] = r.Owner, ["id"] = Math.Abs(r.Owner.GetHashCode(StringComparison.OrdinalIgnoreCase)), ["type"] = "Organization" },
            ["html_url"] = "https://github.com/" + r.FullName,
            ["description"] = r.Name + " by " + r.Owner,
            ["fork"] = r.Fork,
            ["url"] = api,
            ["releases_url"] = api + "/releases{/id}",
            ["created_at"] = Time(r.CreatedAt),
            ["updated_at"] = Time(r.PushedAt ?? r.CreatedAt),
            ["pushed_at"] = Time(r.PushedAt ?? r.CreatedAt),
            ["homepage"] = null,
            ["size"] = 1024,
            ["stargazers_count"] = r.Stars,
            ["watchers_count"] = r.Stars,
            ["language"] = "Python",
            ["forks_count"] = r.Forks,
            ["archived"] = r.Archived,
            ["disabled"] = false,
            ["open_issues_count"] = r.OpenIssues,
            ["license"] = new JsonObject { ["key"] = "apache-2.0", ["name"] = "Apache License 2.0", ["spdx_id"] = "Apache-2.0" },
            ["topics"] = new JsonArray("llm"),
            ["visibility"] = "public",
            ["forks"] = r.Forks,
            ["open_issues"] = r.OpenIssues,
            ["watchers"] = r.Stars,
            ["default_branch"] = "main",
        };
        if (full)
        {
            o["network_count"] = r.Forks;
            o["subscribers_count"] = r.Subscribers;
            o["organization"] = new JsonObject { ["login"] = r.Owner, ["type"] = "Organization" };
        }

        return o;
    }

    private static JsonObject ReleaseJson(FakeGitHubRepo repo, FakeGitHubRelease r)
    {
        var api = $"https://api.github.com/repos/{repo.FullName}/releases/{r.Id.ToString(CultureInfo.InvariantCulture)}";
        return new JsonObject
        {
            ["url"] = api,
            ["html_url"] = $"https://github.com/{repo.FullName}/releases/tag/{r.Tag}",
            ["id"] = r.Id,
            ["node_id"] = "RE_" + r.Id.ToString(CultureInfo.InvariantCulture),
            ["tag_name"] = r.Tag,
            ["target_commitish"] = "main",
            ["name"] = r.Name,
            ["draft"] = r.Draft,
            ["prerelease"] = r.Prerelease,
            ["created_at"] = Time(r.PublishedAt),
            ["published_at"] = r.PublishedAt is null ? null : Time(r.PublishedAt),
            ["body"] = "Release notes",
            ["assets"] = new JsonArray([.. r.AssetDownloads.Select((downloads, i) => (JsonNode)new JsonObject
            {
                ["url"] = $"{api}/assets/{(r.Id * 100) + i}",
                ["id"] = (r.Id * 100) + i,
                ["name"] = $"asset-{i.ToString(CultureInfo.InvariantCulture)}.zip",
                ["label"] = "",
                ["content_type"] = "application/zip",
                ["state"] = "uploaded",
                ["size"] = 4096,
                ["download_count"] = downloads,
                ["created_at"] = Time(r.PublishedAt),
                ["updated_at"] = Time(r.PublishedAt),
                ["browser_download_url"] = $"https://github.com/{repo.FullName}/releases/download/{r.Tag}/asset-{i.ToString(CultureInfo.InvariantCulture)}.zip",
            })]),
        };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
