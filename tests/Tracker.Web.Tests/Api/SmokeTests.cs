using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

[Collection(AppHosts.Name)]
public sealed class SmokeTests
{
    [Fact]
    public async Task Families_answer()
    {
        await using var app = await TrackerAppFactory.StartAsync();
        using var client = app.CreateClient();
        var node = await client.GetNodeAsync("/api/v1/families");
        Assert.Equal(4, node.AsArray().Count);
    }
}
