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
    public async Task Unparsed_Children_Pages_Parse_As_The_Streamed_Pages_Do()
    {
        var source = await SourceAsync();
        var created = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        _hub.Children["Qwen/Base"] = [.. Enumerable.Range(0, 7).Select(i => new FakeChild(
            i == 3 ? "evil/<script>alert(\"é\")</script>" : $"user{i}/Child-{i}", i % 2 == 0 ? "finetune" : "quantized", created.AddHours(-i), i * 10, i * 100, i))];

        var streamed = new List<SourcePage>();
        await foreach (var page in source.ListChildrenAsync("Qwen/Base", 3, CancellationToken.None))
        {
            streamed.Add(page);
        }

        var unparsed = new List<(int Number, int Requests, long Bytes, IReadOnlyList<HubModel> Models)>();
        await foreach (var page in source.ListChildrenUnparsedAsync("Qwen/Base", 3, CancellationToken.None))
        {
            using (page)
            {
                unparsed.Add((page.Number, page.Requests, page.Bytes, page.Parse()));
            }
        }

        Assert.Equal(3, streamed.Count);
        Assert.Equal(streamed.Select(p => (p.Number, p.Requests, p.Bytes)), unparsed.Select(p => (p.Number, p.Requests, p.Bytes)));
        static object Fields(HubModel m) => (m.RepoId, m.CreatedAt, m.Downloads30d, m.DownloadsAllTime, m.Likes, m.License, string.Join('|', m.Tags ?? []));
        Assert.Equal(streamed.SelectMany(p => p.Models).Select(Fields), unparsed.SelectMany(p => p.Models).Select(Fields));
        Assert.Equal(_hub.Children["Qwen/Base"].Select(c => c.Id), unparsed.SelectMany(p => p.Models).Select(m => m.RepoId));
    }

    [Theory]
    [InlineData("[{\"id\":\"a/b\",\"createdAt\":", "malformed JSON")]
    [InlineData("[{\"id\":\"a/b\"}] trailing", "malformed JSON")]
    [InlineData("[{\"id\":\"a/b\"}", "malformed JSON")]
    [InlineData("{\"error\":\"not a page\"}", "not an array")]
    [InlineData("[{\"downloads\":1}]", "has no \"id\"")]
    [InlineData("[1]", "malformed JSON")]
    [InlineData("", "malformed JSON")]
    public void An_Unparsed_Page_That_Is_Not_A_Page_Of_Models_Is_Refused_Naming_The_Listing_And_Page(string body, string reason)
    {
        var error = Assert.Throws<SourceException>(() => HuggingFaceSource.ParsePage(System.Text.Encoding.UTF8.GetBytes(body), "children of 'a/base'", 4));

        Assert.StartsWith("Hugging Face children of 'a/base', page 4: malformed JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("nothing from this page was stored", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_Unparsed_Page_Skips_Null_Items_As_The_Streamed_Parse_Does()
    {
        var models = HuggingFaceSource.ParsePage("[null,{\"id\":\"a/b\",\"likes\":\"3\"},null]"u8, "children of 'a/base'", 1);

        Assert.Equal("a/b", Assert.Single(models).RepoId);
        Assert.Equal(3, models[0].Likes);
        Assert.Null(models[0].Downloads30d);
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
