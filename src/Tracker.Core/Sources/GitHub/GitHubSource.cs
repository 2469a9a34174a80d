using System.Globalization;
using System.Net;
using Octokit;

namespace Tracker.Core.Sources.GitHub;

/// <summary>
/// Reads organisations' repositories, repository counters and releases from GitHub's REST API through Octokit. Returns
/// data and never writes: persistence is the collector's job. Unchanged resources are revalidated with ETags
/// (<see cref="GitHubResponseCache"/>). Rate limits are not waited out here: they surface as
/// <see cref="GitHubRateLimitedException"/> with the time to come back.
/// <para>
/// Its awaits do not come back to the caller's context: the collection calls it from a thread of its own (a
/// single-threaded context, see <c>WriterThread</c>), and each request's return to that thread cost a wake-up of it, two
/// or three a repository. Only the caller's own await comes back (at 1× the benchmark's ecosystem, 22 ms less CPU a
/// collection; tests/Tracker.Benchmarks/README.md).
/// </para>
/// </summary>
public sealed class GitHubSource(IGitHubClient github, TimeProvider? clock = null)
{
    public const string HttpClientName = "github";

    /// <summary>Items per page; GitHub serves at most 100.</summary>
    public const int PageSize = 100;

    /// <summary>A guard against a Link chain that never ends (100,000 items).</summary>
    public const int MaxPages = 1000;

    private static readonly Dictionary<string, string> NoParameters = [];
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>
    /// Every repository of an organisation (GET orgs/{org}/repos, all pages). An unknown organisation throws
    /// <see cref="SourceException"/>. To count the requests, open a <see cref="GitHubRequestMeter"/> around the call.
    /// </summary>
    public async Task<IReadOnlyList<GitHubRepoListing>> ListOrgReposAsync(string org, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(org);
        using var meter = GitHubRequestMeter.Start();
        var what = $"org '{org}' repositories";
        try
        {
            var repos = await GetAllPagesAsync<Repository>(ApiUrls.OrganizationRepositories(org), what, meter, cancellationToken).ConfigureAwait(false);
            return [.. repos.Select(r => new GitHubRepoListing(r.FullName, r.Archived, r.Fork, Utc(r.CreatedAt)))];
        }
        catch (NotFoundException e)
        {
            throw new SourceException($"GitHub org '{org}': HTTP 404 (no such organisation?) after {meter.Requests} request(s)", e)
            { Requests = meter.Requests };
        }
        catch (Exception e) when (IsFailure(e, cancellationToken))
        {
            throw Translate(e, what, meter);
        }
    }

    /// <summary>
    /// A repository's counters (GET repos/{owner}/{name}) and its releases (GET repos/{owner}/{name}/releases, all
    /// pages); null when the repository does not exist. A moved repository is followed and reports its new full name.
    /// </summary>
    public async Task<GitHubRepoSnapshot?> GetRepoAsync(string owner, string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(owner);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var meter = GitHubRequestMeter.Start();
        var requested = $"{owner}/{name}";
        try
        {
            Repository repo;
            try
            {
                repo = (await github.Connection.Get<Repository>(ApiUrls.Repository(owner, name), NoParameters, null, cancellationToken).ConfigureAwait(false)).Body;
            }
            catch (NotFoundException)
            {
                return null;
            }

            var fullName = string.IsNullOrEmpty(repo.FullName) ? requested : repo.FullName;
            var (o, n) = Split(fullName, owner, name);
            List<Release> releases;
            try
            {
                releases = await GetAllPagesAsync<Release>(ApiUrls.Releases(o, n), $"repository '{fullName}' releases", meter, cancellationToken).ConfigureAwait(false);
            }
            catch (NotFoundException)
            {
                releases = [];
            }

            return new GitHubRepoSnapshot(
                requested,
                fullName,
                repo.Id,
                repo.Archived,
                repo.StargazersCount,
                repo.ForksCount,
                repo.SubscribersCount,
                repo.OpenIssuesCount,
                Utc(repo.CreatedAt),
                Utc(repo.PushedAt),
                [.. releases.Select(Map)],
                meter.Requests)
            { NotModified = meter.NotModified };
        }
        catch (Exception e) when (IsFailure(e, cancellationToken))
        {
            throw Translate(e, $"repository '{requested}'", meter);
        }
    }

    internal static GitHubRelease Map(Release r) => new(
        r.Id,
        r.TagName,
        string.IsNullOrEmpty(r.Name) ? null : r.Name,
        Utc(r.PublishedAt),
        r.Prerelease,
        r.Draft,
        r.Assets?.Sum(a => (long)a.DownloadCount) ?? 0);

    private async Task<List<T>> GetAllPagesAsync<T>(Uri first, string what, GitHubRequestMeter meter, CancellationToken cancellationToken)
    {
        var all = new List<T>();
        var parameters = new Dictionary<string, string> { ["per_page"] = PageSize.ToString(CultureInfo.InvariantCulture) };
        Uri? next = first;
        for (var page = 1; next is not null; page++)
        {
            if (page > MaxPages)
            {
                throw new SourceException($"GitHub {what}: more than {MaxPages} pages; stopped") { Requests = meter.Requests };
            }

            cancellationToken.ThrowIfCancellationRequested();
            // Later pages come from the Link header, absolute and with per_page already in them.
            var response = await github.Connection.Get<List<T>>(next, page == 1 ? parameters : NoParameters, null, cancellationToken).ConfigureAwait(false);
            all.AddRange(response.Body ?? []);
            next = response.HttpResponse.ApiInfo?.GetNextPageUrl();
        }

        return all;
    }

    private static (string Owner, string Name) Split(string fullName, string owner, string name)
    {
        var slash = fullName.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < fullName.Length - 1 ? (fullName[..slash], fullName[(slash + 1)..]) : (owner, name);
    }

    private static DateTime? Utc(DateTimeOffset? time) =>
        time is { } t && t != default ? t.UtcDateTime : null;

    private static bool IsFailure(Exception e, CancellationToken cancellationToken) =>
        e is ApiException or HttpRequestException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            or Polly.CircuitBreaker.BrokenCircuitException or InvalidOperationException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private SourceException Translate(Exception e, string what, GitHubRequestMeter meter)
    {
        if (e is SourceException source)
        {
            return source;
        }

        if (e is ApiException api && RateLimitReset(api, _clock.GetUtcNow()) is { } limit)
        {
            var kind = limit.Primary ? "primary rate limit exhausted" : "secondary rate limit";
            return new GitHubRateLimitedException(
                $"GitHub {what}: HTTP {(int)api.StatusCode}, {kind}; retry after {limit.ResetAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z ({meter.Requests} request(s))", e)
            { ResetAt = limit.ResetAt, Primary = limit.Primary, Requests = meter.Requests };
        }

        var detail = e switch
        {
            ApiException a => $"HTTP {(int)a.StatusCode} {a.Message}"
                              + (a.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check GITHUB_TOKEN)" : ""),
            _ => $"request failed: {e.Message}",
        };
        return new SourceException($"GitHub {what}: {detail} after {meter.Requests} request(s)", e) { Requests = meter.Requests };
    }

    /// <summary>
    /// When a 403/429 is a rate limit, when GitHub will answer again
    /// (https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit):
    /// <c>x-ratelimit-remaining: 0</c> → the primary limit, until <c>x-ratelimit-reset</c> (epoch seconds);
    /// <c>retry-after</c> → a secondary limit, for that many seconds; a secondary-limit message or a bare 429 → one minute.
    /// Octokit turns only 403 bodies into <see cref="RateLimitExceededException"/>; a 429 is a plain <see cref="ApiException"/>,
    /// so the headers are read from <see cref="ApiException.HttpResponse"/> for both.
    /// </summary>
    internal static (DateTimeOffset ResetAt, bool Primary)? RateLimitReset(ApiException e, DateTimeOffset now)
    {
        var status = (int)e.StatusCode;
        if (status is not (403 or 429))
        {
            return null;
        }

        var headers = e.HttpResponse?.Headers;
        string? Header(string name) =>
            headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        if (Header("x-ratelimit-remaining")?.Trim() == "0")
        {
            if (long.TryParse(Header("x-ratelimit-reset"), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                return (DateTimeOffset.FromUnixTimeSeconds(epoch), true);
            }

            return (e is RateLimitExceededException r && r.Reset > now ? r.Reset : now.AddMinutes(1), true);
        }

        if (Header("retry-after") is { } retryAfter)
        {
            if (int.TryParse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                return (now.AddSeconds(seconds), false);
            }

            if (DateTimeOffset.TryParse(retryAfter, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
            {
                return (date > now ? date : now, false);
            }
        }

        var body = e.HttpResponse?.Body as string ?? "";
        if (status == 429 || e is SecondaryRateLimitExceededException || e is RateLimitExceededException
            || body.Contains("rate limit", StringComparison.OrdinalIgnoreCase))
        {
            return (now.AddMinutes(1), e is RateLimitExceededException);
        }

        return null;
    }
}
