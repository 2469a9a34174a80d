using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Collecting;
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
    public async Task Unparsed_Children_Pages_Read_Into_The_Rows_The_Streamed_Pages_Give()
    {
        var source = await SourceAsync();
        var created = new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc);
        _hub.Children["Qwen/Base"] = [.. Enumerable.Range(0, 7).Select(i => new FakeChild(
            i == 3 ? "evil/<script>alert(\"é\")</script>" : $"user{i}/Child-{i}", i % 2 == 0 ? "finetune" : "quantized", created.AddHours(-i), i * 10, i * 100, i))];

        var (streamed, streamedError) = await StreamedRowsAsync(source, "Qwen/Base", 3);
        var (unparsed, unparsedError) = await UnparsedRowsAsync(source, "Qwen/Base", 3);

        Assert.Null(streamedError);
        Assert.Null(unparsedError);
        Assert.Equal(streamed, unparsed);
        Assert.Equal(_hub.Children["Qwen/Base"].Select(c => (c.Id, (string?)c.Relation, (DateTime?)c.CreatedAt, (long?)c.Likes)), unparsed!.Select(r => (r.RepoId, r.Relation, r.CreatedAt, r.Likes)));
        Assert.Equal(3, _hub.Requests.Count(r => r.Contains("filter=base_model", StringComparison.Ordinal)) / 2);
    }

    /// <summary>Pages as a hub might send them: quirks, escapes, repeated fields, zones, and bodies that are not pages.</summary>
    public static TheoryData<string> LineageBodies() =>
    [
        """
        [null,
         {"_id":"1","id":"a\/b-\u00e9","createdAt":"2025-09-01T12:00:00.000Z","downloads":"12","downloadsAllTime":null,"likes":3,
          "tags":["transformers","base_model:adapter:org\/base","base_model:finetune:ORG/BASE"],"gated":false,"extra":{"x":[1,{"y":2}]}},
         {"modelId":"c/d","createdAt":"2025-09-01T20:00:00+08:00","tags":[null,"base_model:merge:Org/Base"],"likes":1,"likes":2},
         {"id":"e/f","createdAt":"2022-03-02T23:29:04.000Z","tags":["base_model:quantized:other/base","base_model:QUANTIZED:Org/Base","base_model:quantized:org/base"]},
         {"id":"g/h","createdAt":"2025-09-01 10:00:00","tags":null,"downloads":-1,"downloadsAllTime":"\u0037"},
         {"id":"i/j","createdAt":"not a time","tags":["base_model:finetune:Org/Based","base_model:finetune:Org/Base"]},
         {"id":"k/l","createdAt":null,"modelId":"ignored/when-id"},
         {"id":"m/n","createdAt":"2025-09-01T12:00:00.1234567Z","likes":9223372036854775807,"tags":["base_model:finetune:Ørg/Base"]}
        ]
        """,
        "[]",
        """[{"id":"a/b","likes":1.5}]""",
        """[{"id":"a/b","likes":true}]""",
        """[{"id":"a/b","likes":"1 "}]""",
        """[{"id":"a/b","tags":"base_model:finetune:Org/Base"}]""",
        """[{"id":"a/b","tags":[1]}]""",
        """[{"id":"a/b","createdAt":5}]""",
        """[{"id":" "}]""",
        """[{"downloads":1}]""",
        """[{"id":"a/b"}]]""",
        """[{"id":"a/b"}""",
        """[{"id":"a/b","createdAt":""",
        "[1]",
        """{"error":"not a page"}""",
        "null",
        "",
    ];

    [Theory]
    [MemberData(nameof(LineageBodies))]
    public async Task A_Lineage_Page_Read_Unparsed_Gives_The_Rows_Or_The_Error_The_Parsed_Page_Does(string body)
    {
        var source = await SourceAsync();
        _hub.RawChildren["Org/Base"] = body;

        var (streamed, streamedError) = await StreamedRowsAsync(source, "Org/Base", 1000);
        var (unparsed, unparsedError) = await UnparsedRowsAsync(source, "Org/Base", 1000);

        Assert.Equal(streamed, unparsed);
        Assert.All(unparsed ?? [], r => Assert.True(r.CreatedAt is null || r.CreatedAt.Value.Kind == DateTimeKind.Utc));
        Assert.Equal(streamedError is null, unparsedError is null);
        if (unparsedError is not null)
        {
            Assert.StartsWith("Hugging Face children of 'Org/Base', page 1: malformed JSON", unparsedError, StringComparison.Ordinal);
            Assert.EndsWith("nothing from this page was stored", unparsedError, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_Lineage_Page_Cut_Off_Midway_Is_Refused_Naming_The_Listing_And_Page_Either_Way()
    {
        var source = await SourceAsync(new() { ["Tracker:HuggingFace:MaxRetries"] = "1" });
        _hub.BrokenChildren["Org/Base"] = true;

        var (_, streamedError) = await StreamedRowsAsync(source, "Org/Base", 1000);
        var (_, unparsedError) = await UnparsedRowsAsync(source, "Org/Base", 1000);

        // Past the headers the resilience pipeline does not see the body: the break must still be the run's clear error, not
        // a bare I/O exception escaping the collection.
        Assert.All(new[] { streamedError, unparsedError }, error =>
        {
            Assert.NotNull(error);
            Assert.StartsWith("Hugging Face children of 'Org/Base', page 1: ", error, StringComparison.Ordinal);
            Assert.EndsWith("nothing from this page was stored", error, StringComparison.Ordinal);
        });
        Assert.Contains("broke off", unparsedError, StringComparison.Ordinal);
    }

    private static async Task<(DerivativeRow[]? Rows, string? Error)> StreamedRowsAsync(HuggingFaceSource source, string baseId, int pageSize)
    {
        var rows = new List<DerivativeRow>();
        try
        {
            await foreach (var page in source.ListChildrenAsync(baseId, pageSize, CancellationToken.None))
            {
                rows.AddRange(SnapshotWriter.DerivativeRows(page.Models, baseId));
            }
        }
        catch (SourceException e)
        {
            return (null, e.Message);
        }

        return ([.. rows], null);
    }

    private static async Task<(DerivativeRow[]? Rows, string? Error)> UnparsedRowsAsync(HuggingFaceSource source, string baseId, int pageSize)
    {
        var rows = new List<DerivativeRow>();
        try
        {
            await foreach (var page in source.ListChildrenUnparsedAsync(baseId, pageSize, CancellationToken.None))
            {
                using (page)
                {
                    rows.AddRange(DerivativePage.Read(page.Body, baseId, page.Label, page.Number));
                }
            }
        }
        catch (SourceException e)
        {
            return (null, e.Message);
        }

        return ([.. rows], null);
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
