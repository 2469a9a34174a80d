using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tracker.Core.Sources;
using Tracker.Core.Sources.ModelScope;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Sources;

public sealed class ModelScopeSourceTests : IAsyncLifetime
{
    private const string BigOrg = "BigOrg";
    private const string MidOrg = "MidOrg";
    private const int BigCount = 3_130;

    private FakeModelScopeHub _hub = default!;
    private TestDatabase _db = default!;
    private readonly List<IHost> _hosts = [];

    public async Task InitializeAsync()
    {
        _hub = await FakeModelScopeHub.StartAsync(
            [.. ModelScopeEcosystem.Generate(seed: 5, perOrg: 23), .. ModelScopeEcosystem.Org(MidOrg, 120, seed: 9), .. ModelScopeEcosystem.Org(BigOrg, BigCount, seed: 11)]);
        _db = TestDatabase.CreateSqlite();
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            host.Dispose();
        }

        await _hub.DisposeAsync();
        await _db.DisposeAsync();
    }

    /// <summary>The source as the app wires it; MODELSCOPE_ENDPOINT points at the fake unless <paramref name="withEndpoint"/> is false.</summary>
    private async Task<ModelScopeSource> SourceAsync(Dictionary<string, string?>? settings = null, bool withEndpoint = true)
    {
        var all = new Dictionary<string, string?> { ["Tracker:ModelScope:RetryDelay"] = "00:00:00.050" };
        if (withEndpoint)
        {
            all["MODELSCOPE_ENDPOINT"] = _hub.Endpoint.AbsoluteUri;
        }

        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var host = await CoreHost.StartAsync(_db, _hub.Endpoint, settings: all);
        _hosts.Add(host);
        return host.Services.GetRequiredService<ModelScopeSource>();
    }

    private static async Task<List<SourcePage>> ListAsync(ModelScopeSource source, string org)
    {
        var pages = new List<SourcePage>();
        await foreach (var page in source.ListModelsAsync(org, CancellationToken.None))
        {
            pages.Add(page);
        }

        return pages;
    }

    [Fact]
    public async Task Listing_Pages_By_50_Until_The_Org_Is_Done()
    {
        var source = await SourceAsync();

        var pages = await ListAsync(source, MidOrg);

        Assert.Equal([50, 50, 20], pages.Select(p => p.Models.Count));
        Assert.Equal([1, 2, 3], pages.Select(p => p.Number));
        Assert.Equal(120, pages.SelectMany(p => p.Models).Select(m => m.RepoId).Distinct().Count());
        Assert.All(pages, p => Assert.Equal(1, p.Requests));
        Assert.All(pages, p => Assert.True(p.Bytes > 0));
        Assert.Equal(3, _hub.Requests.Count);
        Assert.All(_hub.Requests, r =>
        {
            Assert.False(r.Legacy);
            Assert.Equal(50, r.PageSize);
            Assert.Contains("owner=MidOrg", r.PathAndQuery, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task An_Org_Past_The_3000_Window_Is_Collected_Whole_Without_A_Refused_Request()
    {
        var source = await SourceAsync();
        var clock = Stopwatch.StartNew();

        var pages = await ListAsync(source, BigOrg);

        var ids = pages.SelectMany(p => p.Models).Select(m => m.RepoId).ToList();
        Assert.Equal(BigCount, ids.Count);
        Assert.Equal(BigCount, ids.Distinct().Count());
        Assert.Equal(_hub.Models.Where(m => m.Author == BigOrg).Select(m => m.Id).Order(), ids.Order());
        Assert.Equal((BigCount + 49) / 50, pages.Count);
        // The OpenAPI first page (its total_count says > 3000) is followed by the legacy listing from page 1.
        Assert.Equal(2, pages[0].Requests);
        Assert.All(_hub.Requests, r => Assert.True(r.Legacy || (long)r.Page * r.PageSize <= FakeModelScopeHub.OpenApiWindow, r.PathAndQuery));
        Assert.Single(_hub.Requests, r => !r.Legacy);
        Assert.Equal(pages.Count, _hub.Requests.Count(r => r.Legacy));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Without_A_Total_The_Pages_Beyond_The_Window_Come_From_The_Legacy_Listing()
    {
        var source = await SourceAsync();
        _hub.OmitTotalCount = true;

        var pages = await ListAsync(source, BigOrg);

        var ids = pages.SelectMany(p => p.Models).Select(m => m.RepoId).ToList();
        Assert.Equal(BigCount, ids.Distinct().Count());
        Assert.Equal(BigCount, ids.Count);
        Assert.Equal(60, _hub.Requests.Count(r => !r.Legacy));
        Assert.Equal(Enumerable.Range(61, 3), _hub.Requests.Where(r => r.Legacy).Select(r => r.Page));
        Assert.All(_hub.Requests, r => Assert.True(r.Legacy || (long)r.Page * r.PageSize <= FakeModelScopeHub.OpenApiWindow, r.PathAndQuery));
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Legacy")]
    public async Task Fields_Map_Both_Time_Forms_Parse_And_Missing_Fields_Are_Null_Never_Zero(string listing)
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:Listing"] = listing });
        var models = new Dictionary<string, HubModel>();
        foreach (var org in ModelScopeEcosystem.Orgs)
        {
            foreach (var model in (await ListAsync(source, org)).SelectMany(p => p.Models))
            {
                models.Add(model.RepoId, model);
            }
        }

        var fakes = _hub.Models.Where(m => ModelScopeEcosystem.Orgs.Contains(m.Author)).ToList();
        Assert.Equal(fakes.Count, models.Count);
        Assert.All(_hub.Requests, r => Assert.Equal(listing == "Legacy", r.Legacy));
        foreach (var fake in fakes)
        {
            var got = models[fake.Id];
            Assert.Equal(fake.DownloadsAllTime, got.DownloadsAllTime);
            Assert.Null(got.Downloads30d);
            Assert.Equal(fake.Likes, got.Likes);
            Assert.Equal(fake.CreatedAt, got.CreatedAt);
            Assert.Equal(fake.CreatedAt?.AddDays(3), got.LastModified);
            Assert.Equal(DateTimeKind.Utc, got.CreatedAt?.Kind ?? DateTimeKind.Utc);
            Assert.Equal(fake.PipelineTag, got.PipelineTag);
            Assert.Equal(FakeModelScopeHub.License(fake), got.License);
            Assert.Equal(fake.Tags is null ? null : FakeModelScopeHub.PlainTags(fake), got.Tags);
            Assert.Null(got.LibraryName);
            Assert.Null(got.ParameterCount);
            Assert.Null(got.ParameterDtypes);
        }

        Assert.Contains(models.Values, m => m.DownloadsAllTime is null);
        Assert.Contains(models.Values, m => m.Likes is null);
        Assert.Contains(models.Values, m => m.CreatedAt is null);
        Assert.Contains(models.Values, m => m.PipelineTag is null);
        Assert.Contains(models.Values, m => m.License is null);
        Assert.Contains(models.Values, m => m.License == "apache-2.0");
    }

    [Theory]
    [InlineData("1726523615", "2024-09-16T21:53:35Z")]
    [InlineData("\"1726523615\"", "2024-09-16T21:53:35Z")]
    [InlineData("1726523615000", "2024-09-16T21:53:35Z")]
    [InlineData("\"2024-09-16T21:53:35Z\"", "2024-09-16T21:53:35Z")]
    [InlineData("\"2024-09-16T23:53:35.000+02:00\"", "2024-09-16T21:53:35Z")]
    [InlineData("\"2024-09-16 21:53:35\"", "2024-09-16T21:53:35Z")]
    [InlineData("0", null)]
    [InlineData("null", null)]
    [InlineData("\"\"", null)]
    [InlineData("\"soon\"", null)]
    public void Times_Parse_From_Unix_Seconds_Or_Iso_Strings(string json, string? expected)
    {
        using var doc = JsonDocument.Parse(json);

        var time = ModelScopeSource.ParseTime(doc.RootElement);

        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime, time);
        Assert.True(time is null || time.Value.Kind == DateTimeKind.Utc);
    }

    [Fact]
    public async Task Success_False_Throws_A_Clear_Error_Naming_Org_And_Page()
    {
        var source = await SourceAsync();
        _hub.UnsuccessfulPages[(MidOrg, 2)] = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, MidOrg));

        Assert.Contains("ModelScope org 'MidOrg', page 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("success=false", error.Message, StringComparison.Ordinal);
        Assert.Contains("The service is busy", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Legacy_Error_Code_Throws_A_Clear_Error_Naming_Org_And_Page()
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:Listing"] = "Legacy" });
        _hub.UnsuccessfulPages[(MidOrg, 3)] = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, MidOrg));

        Assert.Contains("ModelScope org 'MidOrg', page 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("Code=10010101", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Auto")]
    [InlineData("Legacy")]
    public async Task Malformed_Page_Throws_A_Clear_Error_Naming_Org_And_Page(string listing)
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:Listing"] = listing });
        _hub.MalformedPages[(MidOrg, 2)] = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, MidOrg));

        Assert.Contains("'MidOrg'", error.Message, StringComparison.Ordinal);
        Assert.Contains("page 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Page_Cut_Off_Midway_Throws_A_Clear_Error_Naming_Org_And_Page()
    {
        var source = await SourceAsync();
        _hub.BrokenPages[(MidOrg, 2)] = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, MidOrg));

        Assert.StartsWith("ModelScope org 'MidOrg', page 2: the response broke off", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing from this page was stored", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_Error_Is_Retried_Then_Reported_With_Status()
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:MaxRetries"] = "2" });
        _hub.FailAll = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, "Qwen"));

        Assert.Contains("ModelScope org 'Qwen', page 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Requests);
        Assert.Equal(3, _hub.Requests.Count);
    }

    [Fact]
    public async Task A_Transient_Server_Error_Is_Retried_And_The_Listing_Completes()
    {
        var source = await SourceAsync();
        _hub.FailingOwners[MidOrg] = true;
        var listing = ListAsync(source, MidOrg);
        while (_hub.Requests.Count == 0)
        {
            await Task.Delay(5);
        }

        _hub.FailingOwners.Clear();
        var pages = await listing;

        Assert.Equal(120, pages.Sum(p => p.Models.Count));
        Assert.True(pages[0].Requests >= 2);
    }

    [Fact]
    public async Task Rate_Limited_Request_Waits_As_Retry_After_Says_Then_Succeeds()
    {
        var source = await SourceAsync();
        _hub.RetryAfterSeconds = 1;
        _hub.RateLimitNext(1);
        var clock = Stopwatch.StartNew();

        var pages = await ListAsync(source, "deepseek-ai");

        Assert.Equal(_hub.Models.Count(m => m.Author == "deepseek-ai"), pages.Sum(p => p.Models.Count));
        Assert.Equal(2, pages[0].Requests);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"waited only {clock.Elapsed}");
        Assert.Equal(1, _hub.RateLimited);
    }

    [Fact]
    public async Task A_Slow_Server_Times_Out_Per_Attempt_And_Is_Reported()
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:AttemptTimeout"] = "00:00:01", ["Tracker:ModelScope:MaxRetries"] = "1" });
        _hub.PageDelay = TimeSpan.FromSeconds(5);

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, "Qwen"));

        Assert.Contains("ModelScope org 'Qwen', page 1: request failed after 2 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Requests);
    }

    [Fact]
    public async Task Token_From_MODELSCOPE_API_TOKEN_Is_Sent_As_Bearer_And_Wins_Over_Configuration()
    {
        var source = await SourceAsync(new() { ["MODELSCOPE_API_TOKEN"] = "ms-test-secret", ["Tracker:ModelScope:Token"] = "from-config" });

        await ListAsync(source, "Qwen");

        Assert.Equal("Bearer ms-test-secret", _hub.LastAuthorization);
    }

    [Fact]
    public async Task Legacy_Listing_Sends_The_Token_As_Bearer_And_Session_Cookie()
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:Token"] = "ms-config-secret", ["Tracker:ModelScope:Listing"] = "Legacy" });

        await ListAsync(source, "Qwen");

        Assert.Equal("Bearer ms-config-secret", _hub.LastAuthorization);
        Assert.Equal("m_session_id=ms-config-secret", _hub.LastCookie);
    }

    [Fact]
    public async Task Without_A_Token_No_Authorization_Is_Sent()
    {
        var source = await SourceAsync();

        await ListAsync(source, "Qwen");

        Assert.True(string.IsNullOrEmpty(_hub.LastAuthorization));
        Assert.True(string.IsNullOrEmpty(_hub.LastCookie));
    }

    [Fact]
    public async Task MODELSCOPE_ENDPOINT_Wins_Over_The_Configured_Endpoint()
    {
        // Nothing listens on the configured address: only the environment variable's fake can answer.
        var source = await SourceAsync(new() { ["Tracker:ModelScope:Endpoint"] = "http://127.0.0.1:9/", ["MODELSCOPE_ENDPOINT"] = _hub.Endpoint.AbsoluteUri.TrimEnd('/') });

        var pages = await ListAsync(source, "Qwen");

        Assert.Equal(_hub.Models.Count(m => m.Author == "Qwen"), pages.Sum(p => p.Models.Count));
        Assert.NotEmpty(_hub.Requests);
    }

    [Fact]
    public async Task The_Configured_Endpoint_Is_Used_Without_MODELSCOPE_ENDPOINT()
    {
        var source = await SourceAsync(new() { ["Tracker:ModelScope:Endpoint"] = _hub.Endpoint.AbsoluteUri.TrimEnd('/') }, withEndpoint: false);

        var pages = await ListAsync(source, "Qwen");

        Assert.Equal(_hub.Models.Count(m => m.Author == "Qwen"), pages.Sum(p => p.Models.Count));
    }

    [Fact]
    public async Task Defaults_Are_The_Chinese_Site_And_Pages_Of_50()
    {
        var host = await CoreHost.StartAsync(_db, _hub.Endpoint);
        _hosts.Add(host);

        var options = host.Services.GetRequiredService<IOptions<ModelScopeOptions>>().Value;

        Assert.Equal(new Uri("https://modelscope.cn/"), options.Endpoint);
        Assert.Equal(50, options.PageSize);
        Assert.Null(options.Token);
    }

    [Fact]
    public async Task A_Page_Size_Over_50_Is_Refused_At_Start()
    {
        var host = await CoreHost.StartAsync(_db, _hub.Endpoint, settings: new Dictionary<string, string?> { ["Tracker:ModelScope:PageSize"] = "51" });
        _hosts.Add(host);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<ModelScopeOptions>>().Value);

        Assert.Contains("PageSize", error.Message, StringComparison.Ordinal);
    }

    [SamplesFact]
    public async Task Recorded_Sample_Models_Parse_With_Their_Downloads_Likes_And_Dates()
    {
        var files = Directory.GetFiles(Path.Combine(Repository.Samples!, "modelscope"), "*.excerpt.json");
        Assert.NotEmpty(files);
        var samples = new Dictionary<string, List<JsonObject>>(StringComparer.OrdinalIgnoreCase);
        foreach (var file in files)
        {
            var items = JsonNode.Parse(await File.ReadAllTextAsync(file))!["models"]!.AsArray().Select(n => n!.AsObject()).ToList();
            var owner = items.Select(i => (string)i["Path"]!).Distinct().Single();
            samples[owner] = items;
            _hub.RawLegacyItems[owner] = items;
        }

        var source = await SourceAsync(new() { ["Tracker:ModelScope:Listing"] = "Legacy" });
        foreach (var (owner, items) in samples)
        {
            var got = (await ListAsync(source, owner)).SelectMany(p => p.Models).ToList();

            Assert.Equal(items.Count, got.Count);
            foreach (var (item, model) in items.Zip(got))
            {
                Assert.Equal($"{item["Path"]}/{item["Name"]}", model.RepoId);
                if (item["id"] is { } id)
                {
                    Assert.Equal((string)id!, model.RepoId);
                }

                Assert.Equal((long)item["Downloads"]!, model.DownloadsAllTime);
                Assert.Equal((long)item["Stars"]!, model.Likes);
                Assert.Null(model.Downloads30d);
                Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)item["CreatedTime"]!).UtcDateTime, model.CreatedAt);
                Assert.Equal(DateTimeOffset.FromUnixTimeSeconds((long)item["LastUpdatedTime"]!).UtcDateTime, model.LastModified);
                Assert.Equal(item["Tasks"]?.AsArray().Select(t => (string?)t?["Name"]).FirstOrDefault(n => !string.IsNullOrEmpty(n)), model.PipelineTag);
                Assert.Equal(string.IsNullOrEmpty((string?)item["License"]) ? null : (string?)item["License"], model.License);
                Assert.True(model.CreatedAt > new DateTime(2022, 1, 1, 0, 0, 0, DateTimeKind.Utc));
                Assert.True(model.DownloadsAllTime > 0);
            }
        }
    }
}
