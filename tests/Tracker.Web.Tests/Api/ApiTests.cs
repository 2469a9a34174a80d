using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Catalog;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

[Collection(AppHosts.Name)]
public sealed class ApiTests(CollectedApp fixture) : IClassFixture<CollectedApp>
{
    private readonly TrackerAppFactory _app = fixture.App;

    [Fact]
    public async Task Families_report_each_familys_totals_as_the_hub_counted_them()
    {
        using var client = _app.CreateClient();
        var families = (await client.GetNodeAsync("/api/v1/families")).AsArray();

        Assert.Equal(TrackerAppFactory.FamilyIds.Order(), families.Select(f => f!["id"].Text()!).Order());
        foreach (var family in families)
        {
            var id = family!["id"].Text()!;
            var expected = _app.Expected(id);
            Assert.True(expected.Models > 0);
            AssertTotals(expected, family["totals"], id);
            AssertTotals(expected, family["byPlatform"]?["huggingface"], id + " on huggingface");
            Assert.NotNull(family["asOf"].Text());
            Assert.True(DateTime.Parse(family["asOf"].Text()!, System.Globalization.CultureInfo.InvariantCulture) > DateTime.UtcNow.AddMinutes(-10), "asOf is recent");
        }
    }

    [Fact]
    public async Task Families_json_is_camelCase()
    {
        using var client = _app.CreateClient();
        var body = await client.GetStringAsync(new Uri("/api/v1/families", UriKind.Relative));

        Assert.Contains("\"downloadsAllTime\":", body, StringComparison.Ordinal);
        Assert.Contains("\"byPlatform\":", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"DownloadsAllTime\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"Totals\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_family_has_its_rules_and_at_most_ten_top_models_by_all_time_downloads()
    {
        using var client = _app.CreateClient();
        var qwen = await client.GetNodeAsync("/api/v1/families/qwen");

        Assert.Equal("qwen", qwen["id"].Text());
        var rules = qwen["rules"]!.AsObject();
        Assert.True(rules.ContainsKey("huggingface"), "rules per platform");
        Assert.NotEmpty(rules["huggingface"]!.AsArray());

        var top = qwen["topModels"]!.AsArray();
        Assert.InRange(top.Count, 1, 10);
        Assert.All(top, m => Assert.Equal("qwen", m!["family"].Text()));
        var downloads = top.Select(m => m!["downloadsAllTime"].Number() ?? -1).ToList();
        Assert.Equal(downloads.OrderDescending(), downloads);
        var best = _app.Models.Where(m => m.Family == "qwen").Max(m => m.DownloadsAllTime ?? -1);
        Assert.Equal(best, downloads[0]);
    }

    [Fact]
    public async Task The_model_count_series_ends_at_the_number_of_models()
    {
        using var client = _app.CreateClient();
        var series = await client.GetNodeAsync("/api/v1/families/qwen/series?metric=models");

        Assert.Equal("models", series["metric"].Text());
        var points = series["points"]!.AsArray();
        Assert.True(points.Count > 1, "rebuilt from creation dates, so more than one day");
        Assert.Equal(_app.Expected("qwen").Models, points[^1]!["value"].Number());
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), points[^1]!["day"].Text());
    }

    [Fact]
    public async Task The_download_series_has_one_point_per_collected_day()
    {
        using var client = _app.CreateClient();
        var series = await client.GetNodeAsync("/api/v1/families/deepseek/series?metric=downloadsAllTime");

        var point = Assert.Single(series["points"]!.AsArray());
        Assert.Equal(_app.Expected("deepseek").DownloadsAllTime, point!["value"].Number());
        Assert.NotNull(series["asOf"].Text());
    }

    [Theory]
    [InlineData("/api/v1/families/nope")]
    [InlineData("/api/v1/families/nope/series")]
    [InlineData("/api/v1/models/nobody/nothing/history")]
    public async Task Unknown_things_are_404_problem_json(string url)
    {
        using var client = _app.CreateClient();
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(404, problem["status"].Number());
        Assert.False(string.IsNullOrEmpty(problem["detail"].Text()));
    }

    [Theory]
    [InlineData("/api/v1/families/qwen/series?from=2025-02-01&to=2025-01-01", "from")]
    [InlineData("/api/v1/families/qwen/series?from=2025-13-01", "from")]
    [InlineData("/api/v1/families/qwen/series?to=yesterday", "to")]
    [InlineData("/api/v1/families/qwen/series?metric=popularity", "metric")]
    [InlineData("/api/v1/families/qwen/series?metric=stars&platform=huggingface", "platform")]
    [InlineData("/api/v1/families/qwen/series?metric=models&relation=merge", "relation")]
    [InlineData("/api/v1/families/qwen/series?metric=derivatives&relation=cousin", "relation")]
    [InlineData("/api/v1/families/qwen/series?platform=nowhere", "platform")]
    [InlineData("/api/v1/models?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/v1/models?limit=0", "limit")]
    [InlineData("/api/v1/models?limit=1001", "limit")]
    [InlineData("/api/v1/models?sort=stars", "sort")]
    [InlineData("/api/v1/models?family=nope", "family")]
    public async Task Bad_parameters_are_400_problem_json_naming_the_parameter(string url, string parameter)
    {
        using var client = _app.CreateClient();
        using var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.True(problem["errors"]!.AsObject().ContainsKey(parameter), body);
    }

    [Fact]
    public async Task A_cursor_from_another_sort_is_refused()
    {
        using var client = _app.CreateClient();
        var page = await client.GetNodeAsync("/api/v1/models?limit=2&sort=likes");
        var cursor = page["nextCursor"].Text();
        Assert.NotNull(cursor);

        using var response = await client.GetAsync(new Uri($"/api/v1/models?limit=2&sort=downloads30d&cursor={Uri.EscapeDataString(cursor)}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("downloadsAllTime")]
    [InlineData("createdAt")]
    public async Task Paging_walks_every_model_once(string sort)
    {
        using var client = _app.CreateClient();
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var url = $"/api/v1/models?limit=5&sort={sort}" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await client.GetNodeAsync(url);
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 1, 5);
            seen.AddRange(items.Select(i => i!["id"].Text()!));
            cursor = page["nextCursor"].Text();
            Assert.True(++pages < 100, "paging does not end");
        }
        while (cursor is not null);

        var expected = _app.Models.Where(m => m.Family is not null).Select(m => m.Id).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected, seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Paging_within_a_family_stays_in_the_family()
    {
        using var client = _app.CreateClient();
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetNodeAsync("/api/v1/models?family=hunyuan&limit=5" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(page["items"]!.AsArray().Select(i => i!["id"].Text()!));
            cursor = page["nextCursor"].Text();
        }
        while (cursor is not null);

        Assert.Equal(_app.Models.Where(m => m.Family == "hunyuan").Select(m => m.Id).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_models_history_has_its_snapshot()
    {
        var model = _app.Models.First(m => m.Family == "deepseek" && m.DownloadsAllTime is not null);
        using var client = _app.CreateClient();
        var history = await client.GetNodeAsync($"/api/v1/models/{model.Id}/history");

        Assert.Equal(model.Id, history["model"]!["id"].Text());
        var snapshot = Assert.Single(history["snapshots"]!.AsArray());
        Assert.Equal(model.DownloadsAllTime, snapshot!["downloadsAllTime"].Number());
        Assert.Equal(model.Likes, snapshot["likes"].Number());
        Assert.NotNull(history["asOf"].Text());
    }

    [Fact]
    public async Task The_hostile_model_name_comes_back_only_json_escaped()
    {
        using var client = _app.CreateClient();
        var urls = new[]
        {
            "/api/v1/models?family=qwen&limit=1000",
            "/api/v1/models/Qwen/" + Uri.EscapeDataString(TrackerAppFactory.HostileName) + "/history",
            "/api/v1/families/qwen",
            "/api/v1/families",
        };
        foreach (var url in urls)
        {
            using var response = await client.GetAsync(new Uri(url, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode}");
            Assert.DoesNotContain("<img", body, StringComparison.OrdinalIgnoreCase);
        }

        var page = await client.GetNodeAsync("/api/v1/models?family=qwen&limit=1000");
        Assert.Contains(page["items"]!.AsArray(), m => m!["id"].Text() == TrackerAppFactory.HostileId);
        var history = await client.GetNodeAsync("/api/v1/models/Qwen/" + Uri.EscapeDataString(TrackerAppFactory.HostileName) + "/history");
        Assert.Equal(TrackerAppFactory.HostileId, history["model"]!["id"].Text());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_api()
    {
        using var client = _app.CreateClient();
        var doc = await client.GetNodeAsync("/openapi/v1.json");

        Assert.StartsWith("3.", doc["openapi"].Text(), StringComparison.Ordinal);
        var paths = doc["paths"]!.AsObject().Select(p => p.Key.TrimEnd('/')).ToList();
        Assert.Contains("/api/v1/families", paths);
        Assert.Contains("/api/v1/families/{id}/series", paths);
        Assert.Contains("/api/v1/models/{owner}/{name}/history", paths);
        Assert.Contains("/api/v1/status", paths);
    }

    [Fact]
    public async Task Status_shows_the_collection_with_a_run_per_org()
    {
        using var client = _app.CreateClient();
        var status = await client.GetNodeAsync("/api/v1/status");

        Assert.True(status["hasData"]!.GetValue<bool>());
        var latest = status["latest"]!;
        Assert.Equal("succeeded", latest["status"].Text());
        Assert.Equal("test", latest["trigger"].Text());
        Assert.NotNull(latest["finishedAt"].Text());
        Assert.Equal(latest["id"].Number(), status["lastCompleted"]?["id"].Number());

        var orgs = _app.Services.GetRequiredService<FamilyCatalog>().OrgsFor(Platform.HuggingFace);
        var runs = latest["runs"]!.AsArray().Where(r => r!["kind"].Text() == "models").ToList();
        Assert.Equal(orgs.Order(StringComparer.OrdinalIgnoreCase), runs.Select(r => r!["org"].Text()!).Order(StringComparer.OrdinalIgnoreCase));
        Assert.All(runs, r =>
        {
            Assert.Equal("succeeded", r!["status"].Text());
            Assert.True(r["requests"].Number() >= 1);
            Assert.True(r["bytes"].Number() > 0);
        });
        Assert.Equal(_app.Models.Count(m => m.Family is not null), runs.Sum(r => r!["items"].Number()));
        Assert.NotNull(status["nextRun"].Text());
    }

    private static void AssertTotals(Tracker.Testing.ExpectedTotals expected, JsonNode? totals, string what)
    {
        Assert.True(totals is not null, $"{what}: no totals");
        Assert.Equal(expected.Models, totals["models"].Number());
        Assert.Equal(expected.DownloadsAllTime, totals["downloadsAllTime"].Number());
        Assert.Equal(expected.Downloads30d, totals["downloads30d"].Number());
        Assert.Equal(expected.Likes, totals["likes"].Number());
    }
}
