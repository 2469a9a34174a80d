using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tracker.Core.Claims;
using Tracker.Testing;

using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Claims;

public sealed class ClaimsLedgerTests
{
    // The ids of claims.md: every figure of the article, checkable or not.
    public static readonly string[] ArticleIds =
    [
        "qwen-open-models", "qwen-modalities", "qwen-downloads", "qwen-derivatives", "sept-wave", "top5-chinese", "hunyuan3d-omni", "deepseek-r1-fp8",
        "moe-energy", "cn-developers", "aliyun-revenue", "token-revenue", "mckinsey-7x", "coal-chem", "video-4k",
    ];

    public static JsonObject EmbeddedJson()
    {
        using var stream = typeof(ClaimsLedger).Assembly.GetManifestResourceStream(ClaimsLedger.EmbeddedName)!;
        return JsonNode.Parse(stream)!.AsObject();
    }

    [Fact]
    public void The_shipped_ledger_holds_every_figure_of_the_article()
    {
        var ledger = ClaimsLedger.Load(null);

        Assert.Equal(ArticleIds.Order(StringComparer.Ordinal), ledger.Claims.Select(c => c.Id).Order(StringComparer.Ordinal));
        Assert.Equal(8, ledger.Claims.Count(c => c.Checkable));
        Assert.All(ledger.Claims.Where(c => !c.Checkable), c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
        // The Chinese page says why in Chinese.
        Assert.All(ledger.Claims.Where(c => !c.Checkable), c => Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", c.ReasonZh ?? ""));
        Assert.Equal(4, ledger.PublishedFor("qwen-downloads").Count(p => p.Value >= 600_000_000));
    }

    [ContextFact]
    public void The_shipped_ledger_holds_every_published_figure_of_the_shared_list()
    {
        var ledger = ClaimsLedger.Load(null);

        var csvRows = File.ReadAllLines(Path.Combine(Repository.Context!, "published-figures.csv")).Skip(1).Count(l => l.Length > 0);
        Assert.Equal(csvRows, ledger.Published.Count);
    }

    [Fact]
    public void A_bad_entry_is_named_in_the_error()
    {
        var json = EmbeddedJson();
        json["claims"]![0]!["metric"] = "model-count";

        var error = Assert.Throws<ClaimsLedgerException>(() => ClaimsLedger.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()))));

        Assert.StartsWith("claims.json entry 'qwen-open-models': metric 'model-count' is not one of", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("value", "\"three hundred\"", "claims.json entry 'qwen-open-models': \"value\" must be a number")]
    [InlineData("asOf", "\"2025-09\"", "claims.json entry 'qwen-open-models': \"asOf\" '2025-09' is not a date (YYYY-MM-DD)")]
    [InlineData("quoteZh", "\"\"", "claims.json entry 'qwen-open-models': \"quoteZh\" is required")]
    public void Malformed_fields_are_reported_with_the_entry_and_the_field(string field, string value, string expected)
    {
        var json = EmbeddedJson();
        json["claims"]![0]![field] = JsonNode.Parse(value);

        var error = Assert.Throws<ClaimsLedgerException>(() => ClaimsLedger.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()))));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_published_figure_pointing_at_an_unknown_claim_is_refused()
    {
        var json = EmbeddedJson();
        json["published"]![1]!["claim"] = "qwen-nonexistent";

        var error = Assert.Throws<ClaimsLedgerException>(() => ClaimsLedger.Parse(new MemoryStream(Encoding.UTF8.GetBytes(json.ToJsonString()))));

        Assert.Equal("claims.json entry 'pub-02': \"claim\" names 'qwen-nonexistent', which is not a claim in the ledger", error.Message);
    }

    [Fact]
    public async Task A_malformed_ledger_file_stops_start_up_naming_the_entry()
    {
        await using var db = TestDatabase.CreateSqlite();
        await using var hub = await FakeHuggingFaceHub.StartAsync();
        var json = EmbeddedJson();
        json["claims"]![3]!["value"] = "lots";
        var path = Path.Combine(db.Folder, "claims.json");
        await File.WriteAllTextAsync(path, json.ToJsonString());
        using var host = await CoreHost.StartAsync(db, hub.Endpoint, settings: new Dictionary<string, string?> { ["Tracker:Claims:LedgerPath"] = path });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("claims.json entry 'qwen-derivatives': \"value\" must be a number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_org_table_knows_the_four_vendors_and_leaves_others_unknown()
    {
        var regions = OrgRegions.LoadEmbedded();

        Assert.All(new[] { "Qwen", "deepseek-ai", "tencent", "Tencent-Hunyuan", "baidu", "PaddlePaddle" }, o => Assert.Equal(OrgRegions.China, regions.CountryOf(o)));
        Assert.Equal("US", regions.CountryOf("meta-llama"));
        Assert.Equal("FR", regions.CountryOf("MISTRALAI"));
        Assert.Null(regions.CountryOf("some-user"));
    }
}
