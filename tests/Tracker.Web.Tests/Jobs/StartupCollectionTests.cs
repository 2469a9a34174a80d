using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Jobs;

[Collection(AppHosts.Name)]
public sealed class StartupCollectionTests
{
    [Fact]
    public async Task A_fresh_app_with_an_empty_database_collects_by_itself()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { CollectWhenStale = true });
        using var client = app.CreateClient();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        string last = "";
        while (true)
        {
            var status = await client.GetNodeAsync("/api/v1/status");
            last = status.ToJsonString();
            if (status["hasData"]!.GetValue<bool>() && status["latest"]?["status"].Text() == "succeeded")
            {
                Assert.Equal("startup", status["latest"]!["trigger"].Text());
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "no completed startup collection within 60 s; last status: " + last);
            await Task.Delay(250);
        }

        var families = (await client.GetNodeAsync("/api/v1/families")).AsArray();
        foreach (var id in TrackerAppFactory.FamilyIds)
        {
            var totals = families.Single(f => f!["id"].Text() == id)!["totals"]!;
            var expected = app.Expected(id);
            Assert.Equal(expected.Models, totals["models"].Number());
            Assert.Equal(expected.DownloadsAllTime, totals["downloadsAllTime"].Number());
            Assert.Equal(expected.Downloads30d, totals["downloads30d"].Number());
            Assert.Equal(expected.Likes, totals["likes"].Number());
        }
    }

    [Fact]
    public async Task An_app_told_not_to_collect_at_startup_does_not()
    {
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { CollectWhenStale = false });
        using var client = app.CreateClient();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var status = await client.GetNodeAsync("/api/v1/status");

        Assert.False(status["hasData"]!.GetValue<bool>());
        Assert.Null(status["latest"]);
        Assert.Equal(0, app.Hub.RequestCount);
    }
}
