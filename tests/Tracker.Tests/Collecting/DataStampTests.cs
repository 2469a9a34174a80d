using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Claims;
using Tracker.Core.Collecting;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>The stamp that tells other processes that served data committed: every writer moves it, and only on a commit.</summary>
public sealed class DataStampTests
{
    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Every_writer_of_served_data_moves_the_stamp_as_often_as_this_process_version(string provider)
    {
        await using var hub = await FakeHuggingFaceHub.StartAsync(Ecosystem.Generate(seed: 13, perFamily: 4));
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, hub.Endpoint);
        var stamp = host.Services.GetRequiredService<DataStamp>();
        var version = host.Services.GetRequiredService<DataVersion>();
        Assert.Equal(0, await stamp.ReadAsync(CancellationToken.None));

        // Once per finished run and once at the end.
        var result = await host.Services.GetRequiredService<Collector>().RunAsync("test", CancellationToken.None);
        Assert.True(result.Succeeded, string.Join("; ", result.Runs.Select(r => r.Error)));
        Assert.Equal(result.Runs.Count + 1, await stamp.ReadAsync(CancellationToken.None));
        Assert.Equal(version.Current, await stamp.ReadAsync(CancellationToken.None));

        // What the commands and the claims step commit after a collection.
        var moved = await stamp.ReadAsync(CancellationToken.None);
        await host.Services.GetRequiredService<RankingImporter>().ImportAsync(new StringReader("rank,model\n1,Qwen/Q\n"), new DateOnly(2025, 10, 15), null, CancellationToken.None);
        Assert.Equal(moved + 1, await stamp.ReadAsync(CancellationToken.None));
        await host.Services.GetRequiredService<ClaimsMeasurer>().MeasureAllAsync(CancellationToken.None);
        Assert.Equal(moved + 2, await stamp.ReadAsync(CancellationToken.None));
        Assert.True(await host.Services.GetRequiredService<TrendingRecorder>().RecordAsync(CancellationToken.None));
        Assert.Equal(moved + 3, await stamp.ReadAsync(CancellationToken.None));

        // Nothing written, nothing moved: today's trending is already recorded.
        Assert.False(await host.Services.GetRequiredService<TrendingRecorder>().RecordAsync(CancellationToken.None));
        Assert.Equal(moved + 3, await stamp.ReadAsync(CancellationToken.None));
        Assert.Equal(version.Current, await stamp.ReadAsync(CancellationToken.None));
    }
}
