using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Sources;
using Tracker.Core.Sources.HuggingFace;
using Tracker.Testing;

namespace Tracker.Tests.Sources;

public sealed class HuggingFaceSourceTests : IAsyncLifetime
{
    private FakeHuggingFaceHub _hub = default!;
    private TestDatabase _db = default!;
    private readonly List<IHost> _hosts = [];

    public async Task InitializeAsync()
    {
        _hub = await FakeHuggingFaceHub.StartAsync(Ecosystem.Generate(seed: 3, perFamily: 7));
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

    private async Task<HuggingFaceSource> SourceAsync(Dictionary<string, string?>? settings = null)
    {
        var host = await CoreHost.StartAsync(_db, _hub.Endpoint, settings: settings);
        _hosts.Add(host);
        return host.Services.GetRequiredService<HuggingFaceSource>();
    }

    private static async Task<List<SourcePage>> ListAsync(HuggingFaceSource source, string org, int pageSize)
    {
        var pages = new List<SourcePage>();
        await foreach (var page in source.ListModelsAsync(org, pageSize, CancellationToken.None))
        {
            pages.Add(page);
        }

        return pages;
    }

    [Fact]
    public async Task Listing_Follows_Link_Pages_Until_None()
    {
        var source = await SourceAsync();
        var expected = _hub.Models.Count(m => m.Author == "tencent");

        var pages = await ListAsync(source, "tencent", pageSize: 3);

        Assert.Equal((expected + 2) / 3, pages.Count);
        Assert.Equal(expected, pages.Sum(p => p.Models.Count));
        Assert.Equal(expected, pages.SelectMany(p => p.Models).Select(m => m.RepoId).Distinct().Count());
        Assert.All(pages, p => Assert.Equal(1, p.Requests));
        Assert.All(pages, p => Assert.True(p.Bytes > 0));
        Assert.All(_hub.Requests, r => Assert.Contains("expand[]=downloadsAllTime", Uri.UnescapeDataString(r), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_Fields_Are_Null_Never_Zero_And_Quirks_Are_Tolerated()
    {
        var source = await SourceAsync();
        var models = new Dictionary<string, Tracker.Core.Sources.HubModel>();
        foreach (var org in new[] { "Qwen", "deepseek-ai", "tencent", "baidu", "PaddlePaddle" })
        {
            foreach (var model in (await ListAsync(source, org, 1000)).SelectMany(p => p.Models))
            {
                models.Add(model.RepoId, model);
            }
        }

        Assert.Equal(_hub.Models.Count(m => m.Author is "Qwen" or "deepseek-ai" or "tencent" or "baidu" or "PaddlePaddle"), models.Count);
        foreach (var fake in _hub.Models.Where(m => models.ContainsKey(m.Id)))
        {
            var got = models[fake.Id];
            Assert.Equal(fake.DownloadsAllTime, got.DownloadsAllTime);
            Assert.Equal(fake.Downloads, got.Downloads30d);
            Assert.Equal(fake.Likes, got.Likes);
            Assert.Equal(fake.ParameterTotal, got.ParameterCount);
            // The 2022-03-02T23:29:04Z sentinel means "unknown".
            Assert.Equal(fake.CreatedAt == Ecosystem.Sentinel ? null : fake.CreatedAt, got.CreatedAt);
            Assert.Equal(fake.Gated switch { bool b => b ? "true" : "false", string s => s, _ => null }, got.Gated);
        }

        Assert.Contains(models.Values, m => m.DownloadsAllTime is null);
        Assert.Contains(models.Values, m => m.Likes is null);
        Assert.Contains(models.Values, m => m.License == "apache-2.0");
    }

    [Fact]
    public async Task Rate_Limited_Request_Waits_As_The_RateLimit_Header_Says_Then_Succeeds()
    {
        var source = await SourceAsync();
        _hub.RateLimitResetSeconds = 2;
        _hub.RateLimitNext(1);
        var clock = Stopwatch.StartNew();

        var pages = await ListAsync(source, "deepseek-ai", 1000);

        Assert.Equal(_hub.Models.Count(m => m.Author == "deepseek-ai"), pages.Sum(p => p.Models.Count));
        Assert.Equal(2, pages[0].Requests);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"waited only {clock.Elapsed}");
        Assert.Equal(1, _hub.RateLimited);
    }

    [Fact]
    public async Task Malformed_Page_Throws_A_Clear_Error_Naming_Org_And_Page()
    {
        var source = await SourceAsync();
        _hub.MalformedPages[("baidu", 2)] = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, "baidu", 2));

        Assert.Contains("'baidu'", error.Message, StringComparison.Ordinal);
        Assert.Contains("page 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("malformed JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_Error_Is_Retried_Then_Reported_With_Status()
    {
        var source = await SourceAsync(new() { ["Tracker:HuggingFace:MaxRetries"] = "1" });
        _hub.FailingAuthors["Qwen"] = true;

        var error = await Assert.ThrowsAsync<SourceException>(() => ListAsync(source, "Qwen", 1000));

        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Requests);
    }

    [Fact]
    public async Task Token_Is_Sent_As_Bearer_When_Configured()
    {
        var source = await SourceAsync(new() { ["HF_TOKEN"] = "hf_test_secret" });

        await ListAsync(source, "Qwen", 1000);

        Assert.Equal("Bearer hf_test_secret", _hub.LastAuthorization);
    }

    [Fact]
    public async Task Without_A_Token_No_Authorization_Is_Sent()
    {
        var source = await SourceAsync();

        await ListAsync(source, "Qwen", 1000);

        Assert.True(string.IsNullOrEmpty(_hub.LastAuthorization));
    }
}
