using Tracker.Testing;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

/// <summary>The app in PostgreSQL mode (EF on Npgsql, Hangfire on Hangfire.PostgreSql). CI always sets TRACKER_TEST_POSTGRES.</summary>
[Collection(AppHosts.Name)]
public sealed class PostgresAppTests
{
    [Fact]
    public async Task On_PostgreSQL_a_collection_gives_the_expected_family_totals()
    {
        Assert.False(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable)),
            $"{TestDatabase.PostgresVariable} is not set: this test needs a PostgreSQL server (./test.sh starts one), "
            + $"e.g. {TestDatabase.PostgresVariable}=\"Host=127.0.0.1;Port=55433;Username=postgres\". It is not skipped on purpose.");

        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Postgres = true });
        Assert.Equal("postgres", app.Database.Provider);
        await app.CollectAsync();
        using var client = app.CreateClient();

        var families = (await client.GetNodeAsync("/api/v1/families")).AsArray();
        foreach (var id in TrackerAppFactory.FamilyIds)
        {
            var expected = app.Expected(id);
            var totals = families.Single(f => f!["id"].Text() == id)!["totals"]!;
            Assert.Equal(expected.Models, totals["models"].Number());
            Assert.Equal(expected.DownloadsAllTime, totals["downloadsAllTime"].Number());
            Assert.Equal(expected.Downloads30d, totals["downloads30d"].Number());
            Assert.Equal(expected.Likes, totals["likes"].Number());
        }

        var status = await client.GetNodeAsync("/api/v1/status");
        Assert.Equal("succeeded", status["latest"]?["status"].Text());
        Assert.NotNull(status["nextRun"].Text()); // the recurring job is registered in Hangfire's PostgreSQL storage
        Assert.Contains(TrackerAppFactory.HostileId, (await client.GetNodeAsync("/api/v1/models?family=qwen&limit=1000"))["items"]!.AsArray().Select(m => m!["id"].Text()));
    }
}
