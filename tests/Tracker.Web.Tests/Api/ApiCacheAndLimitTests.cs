using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

/// <summary>Tests that each need an app of their own: they collect again, write rows, or configure tiny limits.</summary>
[Collection(AppHosts.Name)]
public sealed class ApiCacheAndLimitTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task After_a_collection_the_new_numbers_come_at_once_with_a_new_ETag()
    {
        await using var app = await TrackerAppFactory.StartAsync();
        await app.CollectAsync();
        using var client = app.CreateClient();
        using var first = await client.GetAsync(new Uri("/api/v1/families", UriKind.Relative));
        var etag = first.Headers.ETag!;
        var before = (await client.GetNodeAsync("/api/v1/families")).AsArray().Single(f => f!["id"].Text() == "qwen")!;
        Assert.Equal(app.Expected("qwen").DownloadsAllTime, before["totals"]!["downloadsAllTime"].Number());

        // The hub's numbers move; a second collection the same day fetches again once today's runs are not "done".
        var changed = app.Models.Select(m => m.Family == "qwen" && m.DownloadsAllTime is { } d ? m with { DownloadsAllTime = d + 1000 } : m).ToList();
        app.Hub.SetModels(changed);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync())
        {
            await db.CollectionRuns.ExecuteUpdateAsync(s => s.SetProperty(r => r.Day, r => r.Day.AddDays(-1)));
        }

        await app.CollectAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/families");
        request.Headers.IfNoneMatch.Add(etag);
        using var after = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(etag, after.Headers.ETag);
        var qwen = System.Text.Json.Nodes.JsonNode.Parse(await after.Content.ReadAsStringAsync())!.AsArray().Single(f => f!["id"].Text() == "qwen")!;
        Assert.Equal(Ecosystem.Expected(changed, "qwen").DownloadsAllTime, qwen["totals"]!["downloadsAllTime"].Number());
        Assert.NotEqual(before["totals"]!["downloadsAllTime"].Number(), qwen["totals"]!["downloadsAllTime"].Number());
    }

    [Fact]
    public async Task A_client_over_its_bucket_gets_429_with_Retry_After_and_a_key_raises_the_limit()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions
        {
            Settings = new Dictionary<string, string>
            {
                ["Tracker:Api:PermitLimit"] = "3",
                ["Tracker:Api:TokensPerPeriod"] = "1",
                ["Tracker:Api:ReplenishmentPeriod"] = "00:01:00",
                ["Tracker:Api:Keys:0"] = "secret-key",
                ["Tracker:Api:KeyPermitLimit"] = "10",
            },
        });
        using var client = app.CreateClient();
        for (var left = 2; left >= 0; left--)
        {
            using var ok = await client.GetAsync(new Uri("/api/v1/ping", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3", ok.Headers.GetValues("RateLimit-Limit").Single());
            Assert.Equal(left.ToString(System.Globalization.CultureInfo.InvariantCulture), ok.Headers.GetValues("RateLimit-Remaining").Single());
        }

        using var limited = await client.GetAsync(new Uri("/api/v1/ping", UriKind.Relative));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));

        using var keyed = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ping");
        keyed.Headers.Add("X-Api-Key", "secret-key");
        using var withKey = await client.SendAsync(keyed);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal("10", withKey.Headers.GetValues("RateLimit-Limit").Single());

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ping");
        wrong.Headers.Add("X-Api-Key", "guessed");
        using var withWrongKey = await client.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.TooManyRequests, withWrongKey.StatusCode);
    }

    [Fact]
    public async Task Release_pages_neither_repeat_nor_skip_while_new_rows_arrive()
    {
        await using var app = await TrackerAppFactory.StartAsync();
        await app.CollectAsync();
        using var client = app.CreateClient();
        var original = (await client.GetNodeAsync("/api/v1/releases?limit=1000"))["items"]!.AsArray().Select(i => i!["repo"].Text()!).ToList();
        Assert.True(original.Count > 10);

        var contexts = app.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        var seen = new List<string>();
        string? cursor = null;
        var page = 0;
        do
        {
            var body = await client.GetNodeAsync("/api/v1/releases?limit=4" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(body["items"]!.AsArray().Select(i => i!["repo"].Text()!));
            cursor = body["nextCursor"].Text();

            // Between pages: a model newer than all, and one created at the same instant as the last item seen.
            var tie = DateTime.Parse(body["items"]!.AsArray()[^1]!["at"].Text()!, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
            await using var db = await contexts.CreateDbContextAsync();
            db.Models.Add(NewModel($"Qwen/new-{page}", DateTime.UtcNow));
            db.Models.Add(NewModel($"Qwen/tie-{page}", tie));
            await db.SaveChangesAsync();
            page++;
        }
        while (cursor is not null && page < 200);

        Assert.Null(cursor);
        Assert.Equal(seen.Count, seen.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(original.Except(seen, StringComparer.Ordinal));
        Assert.DoesNotContain(seen, s => s.StartsWith("Qwen/new-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_reference_at_api_loads_nothing_from_outside_the_machine()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Kestrel = true });
        await using var context = await browser.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var outside = new ConcurrentQueue<string>();
        var requests = new ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            requests.Enqueue(request.Url);
            var uri = new Uri(request.Url);
            if (uri.Scheme is "http" or "https" or "ws" or "wss" && !(IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip)) && uri.Host != "localhost")
            {
                outside.Enqueue(request.Url);
            }
        };

        var console = new ConcurrentQueue<string>();
        page.Console += (_, message) => console.Enqueue(message.Type + ": " + message.Text);
        var response = await page.GotoAsync(app.BaseUrl + "/api");
        Assert.Equal(200, response?.Status);
        try
        {
            // Scalar renders the document once it has fetched /openapi/v1.json: its description and the first tag's operations.
            await page.GetByText("A constant small JSON answer").First.WaitForAsync(new() { Timeout = 30_000, State = WaitForSelectorState.Attached });
        }
        catch (TimeoutException)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "scalar.png") });
            Assert.Fail("Scalar did not render. Requests: " + string.Join(", ", requests) + "\nConsole: " + string.Join("\n", console));
        }

        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Contains(requests, r => r.EndsWith("/openapi/v1.json", StringComparison.Ordinal));
        Assert.True(outside.IsEmpty, "requests off the machine: " + string.Join(", ", outside));
    }

    private static TrackedModel NewModel(string repoId, DateTime createdAt) => new()
    {
        Source = "huggingface",
        RepoId = repoId,
        RepoKey = repoId.ToLowerInvariant(),
        Author = "Qwen",
        FamilyId = "qwen",
        CreatedAt = createdAt,
        FirstSeenAt = DateTime.UtcNow,
        LastSeenAt = DateTime.UtcNow,
    };
}
