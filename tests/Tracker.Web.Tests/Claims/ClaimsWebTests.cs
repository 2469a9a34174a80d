using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tracker.Core.Claims;
using Tracker.Core.Stats;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Claims;

/// <summary>/claims in Chromium in both languages, and /api/v1/claims with the same values.</summary>
[Collection(AppHosts.Name)]
public sealed class ClaimsWebTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] ArticleIds =
    [
        "qwen-open-models", "qwen-modalities", "qwen-downloads", "qwen-derivatives", "sept-wave", "top5-chinese", "hunyuan3d-omni", "deepseek-r1-fp8",
        "moe-energy", "cn-developers", "aliyun-revenue", "token-revenue", "mckinsey-7x", "coal-chem", "video-4k",
    ];

    private static readonly Dictionary<string, (string En, string Zh)> VerdictText = new()
    {
        [Verdicts.Consistent] = ("Consistent", "一致"),
        [Verdicts.LowerBoundOnly] = ("Lower bound only", "仅为下限"),
        [Verdicts.Inconsistent] = ("Inconsistent", "不一致"),
        [Verdicts.NotVerifiable] = ("Not verifiable", "无法核实"),
    };

    private static async Task CollectAndMeasureAsync(TrackerAppFactory app)
    {
        await app.CollectAsync();
        await app.Services.GetRequiredService<ClaimsRefresher>().RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_claims_api_lists_every_figure_and_an_admin_can_import_a_dated_ranking()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { AdminPassword = "s3cret-pass" });
        await CollectAndMeasureAsync(app);
        using var client = app.CreateClient();

        var list = await client.GetNodeAsync("/api/v1/claims");
        var claims = list["claims"]!.AsArray();
        Assert.Equal(ArticleIds.Order(StringComparer.Ordinal), claims.Select(c => c!["claim"]!["id"].Text()!).Order(StringComparer.Ordinal));
        Assert.All(claims, c => Assert.Contains(c!["verdict"].Text(), Verdicts.All));
        Assert.NotEmpty(list["otherPublished"]!.AsArray());
        Assert.Equal(20, list["latestRanking"]!.AsArray().Count);

        var one = await client.GetNodeAsync("/api/v1/claims/qwen-open-models");
        var queries = app.Services.GetRequiredService<ClaimsQueries>();
        var view = (await queries.GetClaimAsync("qwen-open-models", CancellationToken.None))!;
        Assert.Equal(view.Measurement.Verdict, one["verdict"].Text());
        Assert.Equal(view.Measurement.Value, one["measurement"]!["value"]!.GetValue<double>());
        Assert.Equal("2025-09-30", one["measurement"]!["valueAsOf"].Text());
        Assert.Equal("其Qwen3系列构建起覆盖文本、图像、音频、视频的300余个开源模型矩阵", one["claim"]!["quoteZh"].Text());
        Assert.Equal(view.History.Count, one["history"]!.AsArray().Count);
        Assert.Equal(2, one["published"]!.AsArray().Count);

        using var missing = await client.GetAsync(new Uri("/api/v1/claims/no-such-claim", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        const string csv = "rank,model,score\n1,Qwen/Qwen3-Max,90\n2,deepseek-ai/DeepSeek-V3.2,80\n3,moonshotai/Kimi-K2,70\n4,zai-org/GLM-4.6,60\n5,MiniMaxAI/MiniMax-M2,50\n";
        using (var anonymous = await client.PostAsync(new Uri("/api/v1/admin/rankings?date=2025-10-15", UriKind.Relative), new StringContent(csv, Encoding.UTF8, "text/csv")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/admin/rankings?date=2025-10-15", UriKind.Relative))
        {
            Content = new StringContent(csv, Encoding.UTF8, "text/csv"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:s3cret-pass")));
        using var imported = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(5, JsonNode.Parse(await imported.Content.ReadAsStringAsync())!["rows"].Number());

        var top5 = await client.GetNodeAsync("/api/v1/claims/top5-chinese");
        Assert.Equal(Verdicts.Consistent, top5["verdict"].Text());
        Assert.Equal([Verdicts.NotVerifiable, Verdicts.Consistent], top5["history"]!.AsArray().Select(h => h!["verdict"].Text()));
    }

    [Fact]
    public async Task Claims_page_shows_every_figure_in_both_languages_with_the_values_and_verdicts_of_the_api()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Kestrel = true });
        await CollectAndMeasureAsync(app);
        using var client = new HttpClient { BaseAddress = new Uri(app.BaseUrl) };
        var api = (await client.GetNodeAsync("/api/v1/claims"))["claims"]!.AsArray()
            .ToDictionary(c => c!["claim"]!["id"].Text()!, c => (Verdict: c!["verdict"].Text()!, Value: c["measurement"]!["value"], Text: c["measurement"]!["valueText"].Text()!));

        foreach (var (culture, zh) in new[] { ("en", false), ("zh-CN", true) })
        {
            var context = await browser.Browser.NewContextAsync(new() { Locale = culture, ExtraHTTPHeaders = new Dictionary<string, string> { ["Accept-Language"] = culture } });
            var errors = new ConcurrentQueue<string>();
            var page = await context.NewPageAsync();
            page.Console += (_, m) =>
            {
                if (m.Type == "error")
                {
                    errors.Enqueue(m.Text);
                }
            };
            page.PageError += (_, e) => errors.Enqueue(e);

            var response = await page.GotoAsync(app.BaseUrl + "/claims");
            Assert.Equal(200, response?.Status);
            Assert.Equal(zh ? "文章核查：论断台账" : "Article check: the claims ledger", (await page.Locator("h1").InnerTextAsync()).Trim());

            foreach (var id in ArticleIds)
            {
                var article = page.Locator($"article[data-claim='{id}']");
                Assert.Equal(1, await article.CountAsync());
                var (verdict, value, english) = api[id];
                Assert.Equal(verdict, await article.GetAttributeAsync("data-verdict"));
                var badge = (await article.Locator("[data-testid=verdict]").InnerTextAsync()).Trim();
                Assert.Equal(zh ? VerdictText[verdict].Zh : VerdictText[verdict].En, badge);
                Assert.False(string.IsNullOrWhiteSpace(await article.Locator("[data-field=quote]").InnerTextAsync()));
                if (await article.Locator("[data-field=measured]").CountAsync() == 1)
                {
                    var shown = await article.Locator("[data-field=measured]").GetAttributeAsync("data-value");
                    Assert.Equal(value is null ? "" : value.GetValue<double>().ToString(CultureInfo.InvariantCulture), shown);

                    // How the figure was measured, in the page's language; the API's valueText is the English sentence.
                    var note = (await article.Locator("[data-field=note]").InnerTextAsync()).Trim();
                    if (zh)
                    {
                        Assert.NotEqual(english, note);
                        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", note);
                    }
                }
            }

            var models = (await page.Locator("article[data-claim='qwen-open-models'] [data-field=note]").InnerTextAsync()).Trim();
            Assert.Matches(zh ? @"^\d{4}年\d{1,2}月\d{1,2}日：[\d.,万亿]+ 个模型$" : @"^[\d,]+ models on \d{4}-\d{2}-\d{2}$", models);
            var modalities = (await page.Locator("article[data-claim='qwen-modalities'] [data-field=note]").InnerTextAsync()).Trim();
            Assert.StartsWith(zh ? "覆盖 4 种模态中的" : api["qwen-modalities"].Text, modalities, StringComparison.Ordinal);
            Assert.DoesNotContain(zh ? "covered" : "覆盖", modalities, StringComparison.Ordinal);

            // A figure Tracker cannot measure says why, in the page's language.
            var why = (await page.Locator("article[data-claim='moe-energy'] [data-field=reason]").InnerTextAsync()).Trim();
            Assert.Equal(zh ? "能耗不是模型平台上的指标。" : "Energy is not a hub metric.", why);

            // The measured series with the claim drawn as a marker at its date.
            await page.Locator("#claim-qwen-open-models-chart svg.main-svg").First.WaitForAsync(new() { Timeout = 30_000 });
            var legend = await page.Locator("#claim-qwen-open-models-chart .legendtext").AllTextContentsAsync();
            Assert.Contains(zh ? "文章数字" : "Article's claim", legend);
            Assert.Contains(zh ? "Qwen：模型数（Hugging Face + 魔搭）" : "Qwen: models (Hugging Face + ModelScope)", legend);
            Assert.Contains(zh ? "其他公开数据" : "Published figure", legend);

            // Published figures link to their sources; third-party text never becomes markup.
            Assert.True(await page.Locator("table[data-testid=published] a[href^='https://yourai.pro/']").CountAsync() > 0);
            Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
            Assert.True(errors.IsEmpty, "console errors: " + string.Join(" | ", errors));
            await context.DisposeAsync();
        }
    }
}
