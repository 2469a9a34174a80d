using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Claims;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Web.Api;
using Tracker.Web.Tests.Collect;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

/// <summary>Data committed by another process (the collect command, another node) reaches the API's cached answers within a poll.</summary>
[Collection(AppHosts.Name)]
public sealed class CrossProcessCacheTests
{
    private static readonly TimeSpan PollInterval = new ApiOptions().DataVersionPollInterval;

    [Theory]
    [InlineData(DatabaseProviders.Sqlite)]
    [InlineData(DatabaseProviders.Postgres)]
    public async Task A_collection_by_the_collect_command_is_served_within_a_couple_of_polls_with_a_new_ETag(string provider)
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Postgres = provider == DatabaseProviders.Postgres });
        await app.CollectAsync();
        using var client = app.CreateClient();
        using var first = await client.GetAsync(new Uri("/api/v1/families", UriKind.Relative));
        var etag = first.Headers.ETag!;
        Assert.Equal(app.Expected("qwen").DownloadsAllTime, Qwen(await first.Content.ReadAsStringAsync())["totals"]!["downloadsAllTime"].Number());

        // The hub's numbers move; a second collection the same day fetches again once today's runs are not "done".
        var changed = app.Models.Select(m => m.Family == "qwen" && m.DownloadsAllTime is { } d ? m with { DownloadsAllTime = d + 1000 } : m).ToList();
        app.Hub.SetModels(changed);
        await using (var db = await app.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync())
        {
            await db.CollectionRuns.ExecuteUpdateAsync(s => s.SetProperty(r => r.Day, r => r.Day.AddDays(-1)));
        }

        // The answer is cached: without news from the other process it would stay so for OutputCacheDuration (5 min).
        using (var cached = await GetAsync(client, etag))
        {
            Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        }

        var run = await CollectProcess.RunAsync(app.Database, app.Hub.Endpoint);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Stdout}\n{run.Stderr}");

        var committed = Stopwatch.StartNew();
        HttpResponseMessage after;
        while ((after = await GetAsync(client, etag)).StatusCode == HttpStatusCode.NotModified && committed.Elapsed < 3 * PollInterval)
        {
            after.Dispose();
            await Task.Delay(100);
        }

        using (after)
        {
            Assert.True(after.StatusCode == HttpStatusCode.OK, $"still {(int)after.StatusCode} {committed.Elapsed} after the other process committed");
            Assert.NotEqual(etag, after.Headers.ETag);
            var qwen = Qwen(await after.Content.ReadAsStringAsync());
            Assert.Equal(Ecosystem.Expected(changed, "qwen").DownloadsAllTime, qwen["totals"]!["downloadsAllTime"].Number());
        }
    }

    [Fact]
    public async Task An_unreadable_stamp_is_logged_once_and_polling_goes_on()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions
        {
            Settings = new Dictionary<string, string> { ["Tracker:Api:DataVersionPollInterval"] = "00:00:00.100" },
        });
        var version = app.Services.GetRequiredService<DataVersion>();
        var contexts = app.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE DataStamps RENAME TO DataStampsAway");
        }

        await WaitUntilAsync(() => Failures(app) > 0, "the failing read was not logged");
        await Task.Delay(5 * TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, Failures(app));

        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("ALTER TABLE DataStampsAway RENAME TO DataStamps");
        }

        // Another process commits: its own host over the same file, so this app's DataVersion hears of it only by polling.
        var before = version.Current;
        using (var other = await CoreHost.StartAsync(app.Database, app.Hub.Endpoint))
        {
            await other.Services.GetRequiredService<RankingImporter>().ImportAsync(
                new StringReader("rank,model\n1,Qwen/Q\n"), new DateOnly(2025, 10, 15), null, CancellationToken.None);
        }

        await WaitUntilAsync(() => version.Current > before, "the commit by another process was not seen after the stamp came back");
    }

    private static int Failures(TrackerAppFactory app) => app.Log.Entries.Count(e => e.Contains("Reading the data stamp failed", StringComparison.Ordinal));

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), failure);
            await Task.Delay(20);
        }
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/families");
        request.Headers.IfNoneMatch.Add(etag);
        return await client.SendAsync(request);
    }

    private static JsonNode Qwen(string families) => JsonNode.Parse(families)!.AsArray().Single(f => f!["id"].Text() == "qwen")!;
}
