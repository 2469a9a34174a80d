using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tracker.Core.Data;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Browser;

/// <summary>
/// One app on loopback that has collected, and one Chromium, shared by the page tests. One Qwen model's all-time
/// counter had been higher the day before, so today's collection flags a decrease: the cards carry a quality note.
/// </summary>
public sealed class CollectedBrowserApp : IAsyncLifetime
{
    public TrackerAppFactory App { get; private set; } = default!;

    public BrowserFixture Browser { get; } = new();

    /// <summary>The model whose counter went down today: yesterday's snapshot is written here, as a collection would have.</summary>
    public string DecreasedModel { get; } = "Qwen/Qwen3-8B-Instruct";

    public async Task InitializeAsync()
    {
        App = await TrackerAppFactory.StartAsync(new AppOptions { Kestrel = true });
        var model = App.Models.Single(m => m.Id == DecreasedModel);
        var yesterday = DateTime.UtcNow.AddDays(-1);
        await using (var db = await App.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync())
        {
            var seen = new TrackedModel
            {
                Source = "huggingface",
                RepoId = model.Id,
                RepoKey = model.Id.ToLowerInvariant(),
                Author = model.Id.Split('/')[0],
                FamilyId = "qwen",
                FirstSeenAt = yesterday,
                LastSeenAt = yesterday,
            };
            db.Add(seen);
            await db.SaveChangesAsync();
            db.Add(new Snapshot { ModelId = seen.Id, Day = DateOnly.FromDateTime(yesterday), CollectedAt = yesterday, DownloadsAllTime = model.DownloadsAllTime + 1_000 });
            await db.SaveChangesAsync();
        }

        await App.CollectAsync();
        await Browser.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        try
        {
            await App.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // Known and open: after ~40 s of circuits, Hangfire's server does not stop within the host's shutdown
            // token when this shared app is disposed (BackgroundJobServerHostedService.StopAsync). Every test has
            // finished by then; the per-test apps of DashboardBrowserTests do not show it.
        }

        await Browser.DisposeAsync();
    }
}

/// <summary>Every dashboard page in Chromium: it loads, draws its charts with data, speaks both languages, stays offline.</summary>
[Collection(AppHosts.Name)]
public sealed class DashboardPagesTests(CollectedBrowserApp fixture) : IClassFixture<CollectedBrowserApp>
{
    private const string CompareUrl = "/compare?families=qwen,deepseek&metric=models&scale=log&align=release&view=cumulative";

    private TrackerAppFactory App => fixture.App;

    /// <summary>Each page and a chart it must draw (null: the page has no chart of its own).</summary>
    public static TheoryData<string, string?> Pages => new()
    {
        { "/", "#platform-downloadsAllTime" },
        { "/families/qwen", "#platform-downloadsAllTime-qwen" },
        { CompareUrl, "#compare" },
        { "/embed/compare?families=qwen&metric=models", "#compare" },
        { "/models", null },
        { "/models/Qwen/" + Uri.EscapeDataString(TrackerAppFactory.HostileName), "#model-downloads" },
        { "/releases", "#new-models-weekly" },
        { "/about", null },
    };

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task A_page_loads_and_draws_its_charts_with_data_in_English_and_Chinese(string path, string? chart)
    {
        foreach (var culture in new[] { "en", "zh-CN" })
        {
            await using var watched = await WatchedPage.OpenAsync(fixture.Browser.Browser, App.Log, new()
            {
                ViewportSize = new() { Width = 1280, Height = 1000 },
                Locale = culture, // Accept-Language on the first visit
            });
            var page = watched.Page;
            var response = await page.GotoAsync(App.BaseUrl + path);
            Assert.Equal(200, response?.Status);
            Assert.Equal(culture, await page.Locator("html").GetAttributeAsync("lang"));
            if (culture == "zh-CN")
            {
                Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", await page.Locator("h1, main").First.InnerTextAsync());
            }

            if (chart is not null)
            {
                await watched.WaitForAsync($"{chart.Split(',')[0]} svg.main-svg");
                var traces = await page.Locator($"{chart.Split(',')[0]} g.trace").CountAsync();
                Assert.True(traces > 0, $"{path}: chart {chart} has no data trace");
            }

            // Every chart on the page that drew, drew something; none is left loading.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.chart-loading').length === 0", null, new() { Timeout = 30_000 });
            Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
            watched.AssertClean();
        }
    }

    [Fact]
    public async Task The_language_switch_works_and_is_remembered_across_pages_and_visits()
    {
        await using var watched = await WatchedPage.OpenAsync(fixture.Browser.Browser, App.Log);
        var page = watched.Page;
        await page.GotoAsync(App.BaseUrl + "/models?family=qwen");
        Assert.Equal("en", await page.Locator("html").GetAttributeAsync("lang"));

        await page.Locator("[data-testid=lang-zh]").ClickAsync();
        await page.WaitForURLAsync("**/models?family=qwen");
        Assert.Equal("zh-CN", await page.Locator("html").GetAttributeAsync("lang"));
        Assert.Equal("模型", (await page.Locator("nav.main-nav a[href='/models']").InnerTextAsync()).Trim());

        // Another page, and a fresh tab in the same browser profile: still Chinese (the cookie).
        await page.Locator("nav.main-nav a[href='/about']").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("方法与数据质量");
        var second = await watched.Context.NewPageAsync();
        await second.GotoAsync(App.BaseUrl + "/");
        Assert.Equal("zh-CN", await second.Locator("html").GetAttributeAsync("lang"));

        // And back.
        await page.Locator("[data-testid=lang-en]").ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Methodology and data health");
        watched.AssertClean();
    }

    [Fact]
    public async Task The_cards_equal_the_API_and_Chinese_numbers_use_wan_and_yi()
    {
        using var client = new HttpClient { BaseAddress = new Uri(App.BaseUrl) };
        var families = (await client.GetNodeAsync("/api/v1/families")).AsArray();
        await using var watched = await WatchedPage.OpenAsync(fixture.Browser.Browser, App.Log);
        var page = watched.Page;
        await page.GotoAsync(App.BaseUrl + "/");
        foreach (var family in families)
        {
            var id = family!["id"].Text();
            var models = await page.Locator($"article[data-family={id}] [data-metric=models]").InnerTextAsync();
            Assert.Equal(family["totals"]!["models"].Number()!.Value.ToString("N0", CultureInfo.InvariantCulture), models.Trim());
            var downloads = await page.Locator($"article[data-family={id}] [data-metric=downloadsAllTime]").InnerTextAsync();
            Assert.Equal(family["totals"]!["downloadsAllTime"].Number()?.ToString("N0", CultureInfo.InvariantCulture) ?? "—", downloads.Trim());
        }

        // The fixture's decrease: the API keeps its English message, the card words the flag from its numbers.
        var flag = families.Single(f => f!["id"].Text() == "qwen")!["quality"]!.AsArray().Single(q => q!["kind"].Text() == "counterDecrease")!;
        Assert.Equal(("huggingface", 1), (flag["platform"].Text(), flag["count"].Number()));
        Assert.Contains("went down", flag["message"].Text(), StringComparison.Ordinal);
        var day = DateOnly.Parse(flag["from"].Text()!, CultureInfo.InvariantCulture);
        var note = page.Locator("article[data-family=qwen] p.quality[data-quality=counterDecrease]");
        Assert.Equal($"Hugging Face: 1 model(s) saw their all-time download counter go down on {day:yyyy-MM-dd}; kept as reported.", (await note.InnerTextAsync()).Trim());

        await page.GotoAsync(App.BaseUrl + "/culture?set=zh-CN&redirect=/");
        var zh = new CultureInfo("zh-CN");
        foreach (var family in families)
        {
            var id = family!["id"].Text();
            var expected = family["totals"]!["downloadsAllTime"].Number() is { } d ? Tracker.Web.Components.Common.Format.Number(d, zh) : "—";
            Assert.Equal(expected, (await page.Locator($"article[data-family={id}] [data-metric=downloadsAllTime]").InnerTextAsync()).Trim());
        }

        var chinese = (await note.InnerTextAsync()).Trim();
        Assert.Equal($"Hugging Face：{day.Year}年{day.Month}月{day.Day}日有 1 个模型的累计下载计数下降，按原样保留。", chinese);
        Assert.DoesNotContain("went down", chinese, StringComparison.Ordinal);
        watched.AssertClean();
    }

    [Fact]
    public async Task A_compare_link_reproduces_the_chart_and_its_CSV_is_what_it_plots_and_what_the_API_serves()
    {
        var plotted = new List<string>();
        string? csvHref = null;
        // Opened fresh twice, in separate profiles: the URL alone carries the state.
        for (var i = 0; i < 2; i++)
        {
            await using var watched = await WatchedPage.OpenAsync(fixture.Browser.Browser, App.Log);
            var page = watched.Page;
            await page.GotoAsync(App.BaseUrl + CompareUrl);
            await watched.WaitForAsync("#compare svg.main-svg");
            plotted.Add(await page.EvaluateAsync<string>("() => JSON.stringify(document.getElementById('compare').data.map(t => ({ name: t.name, x: t.x, y: t.y })))"));
            Assert.Equal("log", await page.EvaluateAsync<string>("() => document.getElementById('compare').layout.yaxis.type"));
            csvHref = await page.Locator("#compare-figure [data-testid=csv-link]").GetAttributeAsync("href");
            Assert.Equal("qwen,deepseek", Uri.UnescapeDataString(new Uri(App.BaseUrl + await page.Locator("[data-testid=permalink]").GetAttributeAsync("href")).Query.Split('&')[0]["?families=".Length..]));
            watched.AssertClean();
        }

        Assert.Equal(plotted[0], plotted[1]);
        var traces = JsonDocument.Parse(plotted[0]).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, traces.Count);

        using var client = new HttpClient { BaseAddress = new Uri(App.BaseUrl) };
        var csv = (await client.GetStringAsync(new Uri(csvHref!, UriKind.Relative))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("series,x,y", csv[0]);
        var rows = csv.Skip(1).Select(l => l.Split(',')).ToList();
        foreach (var trace in traces)
        {
            var name = trace.GetProperty("name").GetString()!;
            var x = trace.GetProperty("x").EnumerateArray().Select(v => v.GetString() ?? "").ToList();
            var y = trace.GetProperty("y").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? "" : v.GetInt64().ToString(CultureInfo.InvariantCulture)).ToList();
            var mine = rows.Where(r => r[0] == name).ToList();
            Assert.Equal(x, mine.Select(r => r[1]).ToList());
            Assert.Equal(y, mine.Select(r => r[2]).ToList());
        }

        // The same numbers as the API's own series (JSON: the series endpoint's CSV comes with issue 7).
        var qwenSeries = await client.GetNodeAsync("/api/v1/families/qwen/series?metric=models");
        var apiValues = qwenSeries["points"]!.AsArray().Select(p => p!["value"].Number()?.ToString(CultureInfo.InvariantCulture) ?? "").ToList();
        var qwenName = (await client.GetNodeAsync("/api/v1/families/qwen"))["name"].Text();
        Assert.Equal(apiValues, rows.Where(r => r[0] == qwenName).Select(r => r[2]).ToList());
    }

    [Fact]
    public async Task A_hostile_model_name_is_text_on_the_list_the_model_page_and_the_releases()
    {
        await using var watched = await WatchedPage.OpenAsync(fixture.Browser.Browser, App.Log);
        var page = watched.Page;
        await page.GotoAsync(App.BaseUrl + "/models?q=onerror");
        var row = page.Locator("[data-testid=models-table] tbody th[scope=row] a").First;
        Assert.Equal(TrackerAppFactory.HostileId, (await row.InnerTextAsync()).Trim());

        await row.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=model-name]")).ToHaveTextAsync(TrackerAppFactory.HostileId);
        await watched.WaitForAsync("#model-downloads svg.main-svg");
        Assert.Contains(TrackerAppFactory.HostileId, await page.Locator("#model-downloads .gtitle").TextContentAsync(), StringComparison.Ordinal);

        await page.GotoAsync(App.BaseUrl + "/releases?family=qwen");
        Assert.Contains(TrackerAppFactory.HostileId, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        await page.WaitForTimeoutAsync(200);
        Assert.Equal(0, await page.Locator("img[src=x]").CountAsync());
        watched.AssertClean();
    }

    [Fact]
    public async Task Pages_fit_a_375_pixel_screen_and_the_keyboard_reaches_the_content()
    {
        await using var watched = await WatchedPage.OpenAsync(fixture.Browser.Browser, App.Log, new() { ViewportSize = new() { Width = 375, Height = 800 } });
        var page = watched.Page;
        foreach (var path in new[] { "/", "/families/qwen", CompareUrl, "/models", "/releases", "/about" })
        {
            await page.GotoAsync(App.BaseUrl + path);
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.chart-loading').length === 0", null, new() { Timeout = 30_000 });
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 375, $"{path} is {width}px wide at 375px");
        }

        // The first focusable element is the skip link, and Enter on it leads to the main content.
        Assert.Equal("skip-link", await page.EvaluateAsync<string>("() => document.querySelector('a[href], button, input, select').className"));
        await page.FocusAsync(".skip-link");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForFunctionAsync("() => location.hash === '#main'");
        watched.AssertClean();
    }
}
