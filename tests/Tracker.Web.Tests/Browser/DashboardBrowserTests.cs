using Microsoft.Playwright;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Browser;

/// <summary>The dashboard in Chromium against the real server on loopback.</summary>
[Collection(AppHosts.Name)]
public sealed class DashboardBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string HostileFamily = "Qwen <img src=x onerror=alert(1)>";

    [Fact]
    public async Task The_overview_draws_both_charts_offline_and_shows_the_hostile_name_as_text()
    {
        // Model names do not appear on the overview, so give a family a hostile display name too: it reaches the
        // cards, the comparison chart's category labels and the model-count legend.
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions
        {
            Kestrel = true,
            // A configured family replaces the built-in one whole, so its rule is restated.
            Settings = new Dictionary<string, string>
            {
                ["Tracker:Families:qwen:Name"] = HostileFamily,
                ["Tracker:Families:qwen:Vendor"] = "Alibaba",
                ["Tracker:Families:qwen:HuggingFace:0:Org"] = "Qwen",
            },
        });
        await app.CollectAsync();
        await using var watched = await WatchedPage.OpenAsync(browser.Browser, app.Log);
        var page = watched.Page;

        var response = await page.GotoAsync(app.BaseUrl + "/");
        Assert.Equal(200, response?.Status);
        await watched.WaitForAsync("#comparison svg.main-svg", 30_000);
        await watched.WaitForAsync("#model-counts svg.main-svg", 30_000);

        // Bars with data in the comparison, lines in the model counts.
        var bars = await page.Locator("#comparison g.barlayer path").EvaluateAllAsync<string[]>("ps => ps.map(p => p.getAttribute('d'))");
        Assert.Equal(4, bars.Length); // a bar per family and hub with data: only Hugging Face here (ModelScope is off, so not drawn as zero)
        Assert.All(bars, d => Assert.DoesNotMatch(@"^M[\d.]+,([\d.]+)V\1H", d)); // none of zero height: every family has data
        await page.Locator("#model-counts g.scatterlayer path.js-line").First.WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal(4, await page.Locator("#model-counts g.scatterlayer .trace").CountAsync());

        // The family cards carry the numbers the API reports.
        var qwenModels = await page.Locator("article[data-family=qwen] [data-metric=models]").InnerTextAsync();
        Assert.Equal(app.Expected("qwen").Models.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), qwenModels.Trim());
        Assert.Contains("Last collection", await page.Locator("[data-testid=data-status]").InnerTextAsync(), StringComparison.Ordinal);

        // The hostile name is drawn as text everywhere, never parsed as markup.
        Assert.Equal(HostileFamily, (await page.Locator("article[data-family=qwen] h2").InnerTextAsync()).Replace("Alibaba", "", StringComparison.Ordinal).Trim());
        var legend = await page.Locator("#model-counts .legendtext").AllTextContentsAsync();
        Assert.Contains(HostileFamily, legend);
        var labels = await page.Locator("#comparison .xtick text").AllTextContentsAsync();
        Assert.Contains(HostileFamily, labels);

        // The lead chart is drawn from the page's inline figure, stacked by platform.
        // (One collection is one day: a single point per platform, so a trace without a line yet.)
        await page.Locator("#platform-downloadsAllTime g.scatterlayer g.trace").First.WaitForAsync(new() { Timeout = 10_000, State = WaitForSelectorState.Attached });

        // Give Plotly's hover/legend a moment, then check nothing was injected or fetched from elsewhere.
        await page.WaitForTimeoutAsync(300);
        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        watched.AssertClean();

        // The lead chart needs no circuit: with Blazor's connection refused it is drawn all the same (the other charts,
        // which do need one, stay empty).
        await using var offline = await browser.Browser.NewContextAsync();
        var cut = await offline.NewPageAsync();
        await cut.RouteAsync("**/_blazor**", route => route.AbortAsync());
        await cut.GotoAsync(app.BaseUrl + "/");
        await cut.Locator("#platform-downloadsAllTime g.scatterlayer g.trace").First.WaitForAsync(new() { Timeout = 10_000, State = WaitForSelectorState.Attached });
        Assert.Equal(0, await cut.Locator("#model-counts svg.main-svg").CountAsync());
    }

    [Fact]
    public async Task Before_any_collection_the_overview_says_there_is_no_data_and_draws_no_chart()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Kestrel = true, CollectWhenStale = false });
        await using var watched = await WatchedPage.OpenAsync(browser.Browser, app.Log);
        var page = watched.Page;

        await page.GotoAsync(app.BaseUrl + "/");
        var status = page.Locator("[data-testid=data-status]");
        await Assertions.Expect(status).ToContainTextAsync("No data yet", new() { Timeout = 10_000 });
        Assert.Contains("first collection", await page.Locator(".empty-state").InnerTextAsync(), StringComparison.Ordinal);

        Assert.Equal(0, await page.Locator("#comparison").CountAsync());
        Assert.Equal(0, await page.Locator("#model-counts").CountAsync());
        Assert.Equal(0, await page.Locator("svg.main-svg").CountAsync());
        watched.AssertClean();
    }
}
