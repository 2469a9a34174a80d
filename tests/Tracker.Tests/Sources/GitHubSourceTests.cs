using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Octokit;
using Octokit.Caching;
using Octokit.Internal;
using Tracker.Core.Sources;
using Tracker.Core.Sources.GitHub;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Sources;

public sealed class GitHubSourceTests : IAsyncLifetime
{
    private static readonly DateTime Created = new(2023, 8, 3, 10, 0, 0, DateTimeKind.Utc);
    private readonly List<IHost> _hosts = [];
    private readonly List<FakeGitHub> _fakes = [];
    private FakeGitHub _gh = default!;

    public async Task InitializeAsync() => _gh = await StartFakeAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        foreach (var fake in _fakes)
        {
            await fake.DisposeAsync();
        }
    }

    private async Task<FakeGitHub> StartFakeAsync(string prefix = "/")
    {
        var fake = await FakeGitHub.StartAsync(prefix);
        _fakes.Add(fake);
        return fake;
    }

    /// <summary>The GitHub registration alone, configured as the app would be (GITHUB_API_URL, GITHUB_TOKEN, Tracker:GitHub:*).</summary>
    private IServiceProvider Services(string apiUrl, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        var config = new Dictionary<string, string?> { ["GITHUB_API_URL"] = apiUrl };
        foreach (var (key, value) in settings ?? [])
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.AddGitHub();
        var host = builder.Build();
        _hosts.Add(host);
        return host.Services;
    }

    private GitHubSource Source(FakeGitHub fake, Dictionary<string, string?>? settings = null) =>
        Services(fake.ApiUrl.AbsoluteUri, settings).GetRequiredService<GitHubSource>();

    private static FakeGitHubRepo Repo(string owner, string name, long id, int releases = 0) => new(
        owner, name, id, Stars: (int)(id * 10), Forks: (int)id, Subscribers: (int)(id % 7) + 1, OpenIssues: (int)(id % 5),
        CreatedAt: Created.AddDays(id), PushedAt: Created.AddDays(id + 30),
        Releases: [.. Enumerable.Range(1, releases).Select(i => new FakeGitHubRelease(
            (id * 1000) + i, $"v{i}.0", i % 3 == 0 ? null : $"Release {i}", Created.AddDays(i), [i, 10 * i], Prerelease: i % 4 == 0))]);

    [Fact]
    public async Task Org_Listing_Follows_Link_Pages_With_Per_Page_100()
    {
        _gh.Add([.. Enumerable.Range(1, 250).Select(i => Repo("QwenLM", $"repo-{i:D3}", i) with { Archived = i % 50 == 0, Fork = i % 60 == 0 })]);
        _gh.Add(Repo("deepseek-ai", "DeepSeek-V3", 9000));
        var source = Source(_gh);

        using var meter = GitHubRequestMeter.Start();
        var repos = await source.ListOrgReposAsync("QwenLM", CancellationToken.None);

        Assert.Equal(250, repos.Count);
        Assert.Equal(250, repos.Select(r => r.FullName).Distinct().Count());
        Assert.All(repos, r => Assert.StartsWith("QwenLM/", r.FullName, StringComparison.Ordinal));
        Assert.Equal(5, repos.Count(r => r.Archived));
        Assert.Equal(4, repos.Count(r => r.Fork));
        var first = repos.Single(r => r.FullName == "QwenLM/repo-001");
        Assert.Equal(Created.AddDays(1), first.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, first.CreatedAt!.Value.Kind);

        var paths = _gh.Requests.Select(r => r.PathAndQuery).ToList();
        Assert.Equal(["/orgs/QwenLM/repos?per_page=100", "/orgs/QwenLM/repos?per_page=100&page=2", "/orgs/QwenLM/repos?per_page=100&page=3"], paths);
        Assert.Equal(3, meter.Requests);
        Assert.Equal(0, meter.NotModified);
    }

    [Fact]
    public async Task Unknown_Org_Throws_Naming_The_Org_And_Empty_Org_Is_Empty()
    {
        _gh.EmptyOrgs["Tencent-Hunyuan"] = true;
        var source = Source(_gh);

        var error = await Assert.ThrowsAsync<SourceException>(() => source.ListOrgReposAsync("no-such-org", CancellationToken.None));
        Assert.Contains("'no-such-org'", error.Message, StringComparison.Ordinal);
        Assert.Contains("404", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Requests);

        Assert.Empty(await source.ListOrgReposAsync("Tencent-Hunyuan", CancellationToken.None));
    }

    [Fact]
    public async Task Repo_Snapshot_Maps_Counters_Watchers_And_Release_Downloads_Across_Pages()
    {
        var fake = Repo("deepseek-ai", "DeepSeek-V3", 42, releases: 130) with { Archived = true };
        _gh.Add(fake);
        var source = Source(_gh);

        var snapshot = await source.GetRepoAsync("deepseek-ai", "DeepSeek-V3", CancellationToken.None);

        Assert.NotNull(snapshot);
        Assert.Equal("deepseek-ai/DeepSeek-V3", snapshot.RequestedName);
        Assert.Equal("deepseek-ai/DeepSeek-V3", snapshot.FullName);
        Assert.False(snapshot.Moved);
        Assert.Equal(42, snapshot.Id);
        Assert.True(snapshot.Archived);
        Assert.Equal(fake.Stars, snapshot.Stars);
        Assert.Equal(fake.Forks, snapshot.Forks);
        Assert.Equal(fake.Subscribers, snapshot.Watchers); // subscribers_count, not watchers_count (= stars)
        Assert.NotEqual(snapshot.Stars, snapshot.Watchers);
        Assert.Equal(fake.OpenIssues, snapshot.OpenIssues);
        Assert.Equal(fake.CreatedAt, snapshot.CreatedAt);
        Assert.Equal(fake.PushedAt, snapshot.PushedAt);
        Assert.Equal(DateTimeKind.Utc, snapshot.PushedAt!.Value.Kind);

        Assert.Equal(130, snapshot.Releases.Count);
        foreach (var expected in fake.Releases!)
        {
            var got = snapshot.Releases.Single(r => r.Id == expected.Id);
            Assert.Equal(expected.Tag, got.Tag);
            Assert.Equal(expected.Name, got.Name);
            Assert.Equal(expected.PublishedAt, got.PublishedAt);
            Assert.Equal(DateTimeKind.Utc, got.PublishedAt!.Value.Kind);
            Assert.Equal(expected.Prerelease, got.Prerelease);
            Assert.Equal(expected.AssetDownloads.Sum(d => (long)d), got.AssetDownloads);
        }

        // One for the repository, two pages of releases.
        Assert.Equal(3, snapshot.Requests);
        Assert.Equal(
            ["/repos/deepseek-ai/DeepSeek-V3", "/repos/deepseek-ai/DeepSeek-V3/releases?per_page=100", "/repos/deepseek-ai/DeepSeek-V3/releases?per_page=100&page=2"],
            _gh.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Missing_Repo_Is_Null()
    {
        var source = Source(_gh);

        Assert.Null(await source.GetRepoAsync("QwenLM", "nothing-here", CancellationToken.None));
    }

    [Fact]
    public async Task A_Response_Cut_Off_Midway_Fails_With_A_Clear_Error_Naming_The_Repository()
    {
        var source = Source(_gh);
        _gh.BrokenBodies["repos/deepseek-ai/DeepSeek-V3"] = true;

        // Octokit reads the body past the resilience pipeline: the break must still be the run's clear error, not a bare
        // I/O exception escaping the collection.
        var error = await Assert.ThrowsAsync<SourceException>(() => source.GetRepoAsync("deepseek-ai", "DeepSeek-V3", CancellationToken.None));

        Assert.StartsWith("GitHub repository 'deepseek-ai/DeepSeek-V3': request failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Moved_Repo_Is_Followed_And_Reports_The_New_Full_Name()
    {
        _gh.Add(Repo("Tencent-Hunyuan", "HunyuanVideo", 7, releases: 2));
        _gh.Moves["Tencent/HunyuanVideo"] = "Tencent-Hunyuan/HunyuanVideo";
        var source = Source(_gh, new() { ["GITHUB_TOKEN"] = "ghp_moved" });

        var snapshot = await source.GetRepoAsync("Tencent", "HunyuanVideo", CancellationToken.None);

        Assert.NotNull(snapshot);
        Assert.Equal("Tencent/HunyuanVideo", snapshot.RequestedName);
        Assert.Equal("Tencent-Hunyuan/HunyuanVideo", snapshot.FullName);
        Assert.True(snapshot.Moved);
        Assert.Equal(7, snapshot.Id);
        Assert.Equal(2, snapshot.Releases.Count);
        var requests = _gh.Requests.ToList();
        Assert.Equal(["/repos/Tencent/HunyuanVideo", "/repos/Tencent-Hunyuan/HunyuanVideo", "/repos/Tencent-Hunyuan/HunyuanVideo/releases?per_page=100"],
            requests.Select(r => r.PathAndQuery));
        Assert.Equal(301, requests[0].Status);
        // Octokit follows the redirect itself, on the same host with the token.
        Assert.All(requests, r => Assert.Equal("token ghp_moved", r.Authorization, ignoreCase: true));
        Assert.Equal(3, snapshot.Requests);
    }

    [Fact]
    public async Task Unchanged_Resources_Are_Revalidated_With_ETags_And_304s_Return_The_Cached_Data()
    {
        _gh.Add(Repo("QwenLM", "Qwen3", 3, releases: 120));
        var source = Source(_gh, new() { ["GITHUB_TOKEN"] = "ghp_etag" });

        var first = await source.GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);
        var usedAfterFirst = _gh.Used;
        _gh.ClearRequests();
        var second = await source.GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);

        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Equal(0, first.NotModified);
        Assert.Equal(3, second.Requests);
        Assert.Equal(3, second.NotModified);
        var requests = _gh.Requests.ToList();
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(304, r.Status));
        Assert.All(requests, r => Assert.False(string.IsNullOrEmpty(r.IfNoneMatch)));
        Assert.Equal(usedAfterFirst, _gh.Used); // 304s cost no quota
        Assert.Equal(first with { Releases = [], Requests = 0 }, second with { Releases = [], Requests = 0, NotModified = 0 });
        Assert.Equal(first.Releases, second.Releases);

        // A change is seen: the ETag no longer matches and the new body is served and cached.
        _gh.Add(_gh.Repos["QwenLM/Qwen3"] with { Stars = 99_999 });
        _gh.ClearRequests();
        var third = await source.GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);
        Assert.Equal(99_999, third!.Stars);
        Assert.Equal([200, 304, 304], _gh.Requests.Select(r => r.Status));
        Assert.Equal(2, third.NotModified);
    }

    [Fact]
    public async Task Org_Listing_Pages_Are_Revalidated_Too()
    {
        _gh.Add([.. Enumerable.Range(1, 150).Select(i => Repo("deepseek-ai", $"r{i}", i))]);
        var source = Source(_gh);

        var first = await source.ListOrgReposAsync("deepseek-ai", CancellationToken.None);
        _gh.ClearRequests();
        using var meter = GitHubRequestMeter.Start();
        var second = await source.ListOrgReposAsync("deepseek-ai", CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(2, meter.Requests);
        Assert.Equal(2, meter.NotModified);
        Assert.All(_gh.Requests, r => Assert.Equal(304, r.Status));
    }

    [Theory]
    [InlineData(403)]
    [InlineData(429)]
    public async Task Primary_Rate_Limit_Throws_With_The_Reset_Time_And_Is_Not_Retried(int status)
    {
        _gh.Add(Repo("QwenLM", "Qwen3", 3));
        _gh.Limit = 0;
        _gh.RateLimitStatus = status;
        _gh.ResetAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1234);
        var source = Source(_gh);

        var error = await Assert.ThrowsAsync<GitHubRateLimitedException>(() => source.GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None));

        Assert.Equal(_gh.ResetAt, error.ResetAt);
        Assert.True(error.Primary);
        Assert.Equal(1, error.Requests);
        Assert.Contains("'QwenLM/Qwen3'", error.Message, StringComparison.Ordinal);
        var request = Assert.Single(_gh.Requests);
        Assert.Equal(status, request.Status);
        Assert.IsAssignableFrom<SourceException>(error);
        Assert.Equal(status == 403 ? typeof(RateLimitExceededException) : typeof(ApiException), error.InnerException!.GetType());
    }

    [Fact]
    public async Task Quota_Running_Out_Mid_Listing_Throws_Rate_Limited()
    {
        _gh.Add([.. Enumerable.Range(1, 250).Select(i => Repo("QwenLM", $"repo-{i:D3}", i))]);
        _gh.Limit = 2;
        var source = Source(_gh);

        var error = await Assert.ThrowsAsync<GitHubRateLimitedException>(() => source.ListOrgReposAsync("QwenLM", CancellationToken.None));

        Assert.Equal(_gh.ResetAt, error.ResetAt);
        Assert.Equal(3, error.Requests);
        Assert.Equal([200, 200, 403], _gh.Requests.Select(r => r.Status));
    }

    [Fact]
    public async Task Secondary_Rate_Limit_Throws_With_Retry_After()
    {
        _gh.Add(Repo("QwenLM", "Qwen3", 3));
        _gh.SecondaryRetryAfterSeconds = 120;
        _gh.SecondaryRateLimitNext(1);
        var source = Source(_gh);

        var before = DateTimeOffset.UtcNow;
        var error = await Assert.ThrowsAsync<GitHubRateLimitedException>(() => source.GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None));
        var after = DateTimeOffset.UtcNow;

        Assert.False(error.Primary);
        Assert.InRange(error.ResetAt, before.AddSeconds(120), after.AddSeconds(120));
        Assert.Single(_gh.Requests);
    }

    [Fact]
    public async Task Api_Url_Is_Used_As_Is_Under_An_Enterprise_Prefix()
    {
        var ghes = await StartFakeAsync("/api/v3/");
        ghes.Add(Repo("PaddlePaddle", "ERNIE", 5, releases: 1));
        // Without the trailing slash: only the slash is added, never a second /api/v3.
        var services = Services(ghes.ApiUrl.AbsoluteUri.TrimEnd('/'), new() { ["Tracker:GitHub:ApiUrl"] = "http://127.0.0.1:1/ignored/" });
        Assert.Equal(ghes.ApiUrl, services.GetRequiredService<Microsoft.Extensions.Options.IOptions<GitHubOptions>>().Value.ApiUrl);
        Assert.EndsWith("/api/v3/", ghes.ApiUrl.AbsoluteUri, StringComparison.Ordinal);
        var source = services.GetRequiredService<GitHubSource>();

        var snapshot = await source.GetRepoAsync("PaddlePaddle", "ERNIE", CancellationToken.None);
        ghes.EmptyOrgs["PaddlePaddle-empty"] = true;
        await source.ListOrgReposAsync("PaddlePaddle", CancellationToken.None);

        Assert.Equal("PaddlePaddle/ERNIE", snapshot!.FullName);
        Assert.Single(snapshot.Releases);
        Assert.Equal(
            ["/api/v3/repos/PaddlePaddle/ERNIE", "/api/v3/repos/PaddlePaddle/ERNIE/releases?per_page=100", "/api/v3/orgs/PaddlePaddle/repos?per_page=100"],
            ghes.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task Api_Url_At_The_Host_Root_Has_No_Api_V3_Rewrite()
    {
        _gh.Add(Repo("QwenLM", "Qwen3", 3));
        var source = Source(_gh);

        await source.GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);

        Assert.All(_gh.Requests, r => Assert.DoesNotContain("/api/v3", r.PathAndQuery, StringComparison.Ordinal));
        Assert.All(_gh.Requests, r => Assert.StartsWith("Tracker ", r.UserAgent, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Token_Is_Sent_When_Configured_And_Never_Otherwise()
    {
        _gh.Add(Repo("QwenLM", "Qwen3", 3));

        await Source(_gh, new() { ["GITHUB_TOKEN"] = "ghp_secret_for_tests" }).GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);
        var authorised = _gh.Requests.ToList();
        _gh.ClearRequests();
        await Source(_gh).GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);
        var anonymous = _gh.Requests.ToList();

        // Octokit's Credentials(token) is OAuth-type: "Authorization: token …".
        Assert.All(authorised, r => Assert.Equal("token ghp_secret_for_tests", r.Authorization, ignoreCase: true));
        Assert.All(anonymous, r => Assert.Null(r.Authorization));
        // ETags are per token: the anonymous client did not reuse the authorised one's cache entries.
        Assert.All(anonymous, r => Assert.Null(r.IfNoneMatch));
    }

    [Fact]
    public void Cache_Keys_Differ_By_Token_And_Only_Successful_Responses_With_An_ETag_Are_Stored()
    {
        var store = new InMemoryHttpCacheStore();
        var request = new Request { Method = HttpMethod.Get, BaseAddress = new Uri("https://api.github.com/"), Endpoint = new Uri("repos/a/b", UriKind.Relative) };
        var a = new GitHubResponseCache(store, Microsoft.Extensions.Options.Options.Create(new GitHubOptions { Token = "a" }));
        var b = new GitHubResponseCache(store, Microsoft.Extensions.Options.Options.Create(new GitHubOptions { Token = "b" }));
        var anonymous = new GitHubResponseCache(store, Microsoft.Extensions.Options.Options.Create(new GitHubOptions()));

        Assert.NotEqual(a.Key(request), b.Key(request));
        Assert.NotEqual(a.Key(request), anonymous.Key(request));
        Assert.Contains("GET https://api.github.com/repos/a/b", a.Key(request), StringComparison.Ordinal);
        Assert.DoesNotContain("\"a\"", a.Key(request), StringComparison.Ordinal);

        var headers = new Dictionary<string, string> { ["ETag"] = "\"abc\"", ["X-RateLimit-Remaining"] = "10" };
        var ok = new CachedResponse.V1("{\"id\":1}", headers, null, System.Net.HttpStatusCode.OK, "application/json");
        var bytes = GitHubResponseCache.Serialize(ok);
        Assert.NotNull(bytes);
        var back = GitHubResponseCache.Deserialize(bytes);
        Assert.Equal("{\"id\":1}", back!.Body);
        Assert.Equal("\"abc\"", back.Headers["ETag"]);
        Assert.Equal(System.Net.HttpStatusCode.OK, back.StatusCode);
        Assert.Equal("application/json", back.ContentType);

        Assert.Null(GitHubResponseCache.Serialize(new CachedResponse.V1("{}", headers, null, System.Net.HttpStatusCode.Forbidden, "application/json")));
        Assert.Null(GitHubResponseCache.Serialize(new CachedResponse.V1("{}", new Dictionary<string, string>(), null, System.Net.HttpStatusCode.OK, "application/json")));
        Assert.Null(GitHubResponseCache.Deserialize(Encoding.UTF8.GetBytes("not json")));
    }

    [Fact]
    public void Cached_Bodies_Are_Stored_As_They_Came_And_Old_Entries_Still_Read()
    {
        var headers = new Dictionary<string, string> { ["ETag"] = "W/\"e\"" };
        // A JSON body with quotes, escapes, non-ASCII and HTML-sensitive characters: stored raw, read back the same.
        var text = "[{\"name\":\"Qwen \\\"3\\\" <b>&amp; \u4e2d\u6587 \U0001F600\"}]";
        var bytes = GitHubResponseCache.Serialize(new CachedResponse.V1(text, headers, null, System.Net.HttpStatusCode.OK, "application/json"))!;
        Assert.Equal(text, GitHubResponseCache.Deserialize(bytes)!.Body);
        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) > 0, "the body is stored as its UTF-8 bytes, unescaped");

        var binary = Enumerable.Range(0, 1000).Select(i => (byte)(i * 7)).ToArray();
        var back = GitHubResponseCache.Deserialize(GitHubResponseCache.Serialize(new CachedResponse.V1(binary, headers, null, System.Net.HttpStatusCode.OK, "application/octet-stream"))!);
        Assert.Equal(binary, back!.Body);
        Assert.Null(GitHubResponseCache.Deserialize(GitHubResponseCache.Serialize(new CachedResponse.V1(null, headers, null, System.Net.HttpStatusCode.NoContent, null))!)!.Body);

        // Entries written before (the whole response as one JSON object) are still read; damaged ones are a miss.
        var old = Encoding.UTF8.GetBytes("""{"status":200,"contentType":"application/json","headers":{"ETag":"\"x\""},"body":"{\"id\":2}"}""");
        Assert.Equal("{\"id\":2}", GitHubResponseCache.Deserialize(old)!.Body);
        Assert.Null(GitHubResponseCache.Deserialize(bytes[..3]));
        var wrongLength = (byte[])bytes.Clone();
        wrongLength[4] = 0x7f;
        Assert.Null(GitHubResponseCache.Deserialize(wrongLength));
    }

    [Fact]
    public async Task The_Core_Registration_Wires_The_GitHub_Source()
    {
        _gh.Add(Repo("QwenLM", "Qwen3", 3));
        await using var db = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(db, new Uri("http://127.0.0.1:1/"), settings: new Dictionary<string, string?> { ["GITHUB_API_URL"] = _gh.ApiUrl.AbsoluteUri });

        var snapshot = await host.Services.GetRequiredService<GitHubSource>().GetRepoAsync("QwenLM", "Qwen3", CancellationToken.None);

        Assert.Equal("QwenLM/Qwen3", snapshot!.FullName);
        // The app keeps Octokit's ETag cache in its database, so revalidation survives restarts.
        Assert.IsType<Tracker.Core.Data.DbHttpCacheStore>(host.Services.GetRequiredService<IHttpCacheStore>());
    }

    // Recorded real responses (Octokit's fixtures; some begin with a UTF-8 BOM), served verbatim by the fake.
    private static string SamplePath(string file) => Path.Combine(Tracker.Testing.Repository.Samples!, "github", file);

    [SamplesFact]
    public async Task Recorded_Repository_And_Releases_Parse_Through_The_Source()
    {
        _gh.RawBodies["repos/octokit-fixture-org/hello-world"] = await File.ReadAllBytesAsync(SamplePath("get-repository.octokit-fixtures.response.json"));
        var releases = await File.ReadAllBytesAsync(SamplePath("octokit.net-fixture.releases.json"));
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), releases[..3]); // served with its BOM
        _gh.RawBodies["repos/octokit-fixture-org/hello-world/releases"] = releases;
        var source = Source(_gh);

        var snapshot = await source.GetRepoAsync("octokit-fixture-org", "hello-world", CancellationToken.None);

        Assert.NotNull(snapshot);
        Assert.Equal("octokit-fixture-org/hello-world", snapshot.FullName);
        Assert.Equal(103703892, snapshot.Id);
        Assert.Equal(0, snapshot.Stars);
        Assert.Equal(1, snapshot.Watchers);
        Assert.False(snapshot.Archived);
        Assert.Equal(new DateTime(2017, 9, 15, 21, 43, 8, DateTimeKind.Utc), snapshot.CreatedAt);
        Assert.Equal(new DateTime(2017, 11, 3, 20, 11, 46, DateTimeKind.Utc), snapshot.PushedAt);
        Assert.Equal(9, snapshot.Releases.Count);
        var latest = snapshot.Releases.Single(r => r.Id == 16259);
        Assert.Equal("v0.18.0", latest.Tag);
        Assert.Equal("0.18.0", latest.Name);
        Assert.Equal(new DateTime(2013, 7, 26, 15, 10, 28, DateTimeKind.Utc), latest.PublishedAt);
        Assert.Equal(1337, latest.AssetDownloads);
        Assert.Null(snapshot.Releases.Single(r => r.Id == 10541).Name); // "" reads as no name
        Assert.Equal(1337 + 276 + 1750 + 27 + 4 + 23, snapshot.Releases.Sum(r => r.AssetDownloads));
    }

    [SamplesFact]
    public async Task Recorded_Release_And_Asset_Objects_Parse_As_A_Releases_Page()
    {
        // Single objects, composed into the list the releases endpoint answers (the BOM is dropped by the JSON reader).
        static JsonNode Read(string file) => JsonNode.Parse(File.ReadAllText(SamplePath(file)))!;
        var release = Read("octokit.net-fixture.release.json").AsObject();
        release["assets"] = new JsonArray(Read("octokit.net-fixture.release_asset.json"));
        var byTag = Read("get-release-by-tag.octokit-fixtures.response.json").AsObject();
        byTag["assets"] = Read("list-release-assets.octokit-fixtures.response.json");
        _gh.Add(Repo("octocat", "Hello-World", 1));
        _gh.RawBodies["repos/octocat/Hello-World/releases"] = Encoding.UTF8.GetBytes(new JsonArray(release, byTag).ToJsonString());
        var source = Source(_gh);

        var snapshot = await source.GetRepoAsync("octocat", "Hello-World", CancellationToken.None);

        Assert.Equal(2, snapshot!.Releases.Count);
        var v1 = snapshot.Releases.Single(r => r.Id == 1);
        Assert.Equal("v1.0.0", v1.Tag);
        Assert.Equal(new DateTime(2013, 2, 27, 19, 35, 32, DateTimeKind.Utc), v1.PublishedAt);
        Assert.False(v1.Draft);
        Assert.Equal(1337, v1.AssetDownloads);
        var tagged = snapshot.Releases.Single(r => r.Id == 72286832);
        Assert.Equal("v1.0.0", tagged.Tag);
        Assert.Equal(new DateTime(2022, 7, 19, 4, 40, 21, DateTimeKind.Utc), tagged.PublishedAt);
        Assert.Equal(0, tagged.AssetDownloads);
    }
}
