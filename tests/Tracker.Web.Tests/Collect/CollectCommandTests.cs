using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Stats;
using Tracker.Testing;

namespace Tracker.Web.Tests.Collect;

/// <summary>
/// <c>Tracker.Web collect</c> as an operator runs it: a separate process against a SQLite file and the fake hub.
/// No app is hosted in this process, so these may run beside the App collection.
/// </summary>
public sealed class CollectCommandTests
{
    private static readonly string[] Families = ["qwen", "deepseek", "hunyuan", "ernie"];

    [Fact]
    public async Task Collect_exits_zero_and_a_second_run_adds_no_rows()
    {
        var models = Ecosystem.Generate(seed: 3, perFamily: 8);
        await using var hub = await FakeHuggingFaceHub.StartAsync(models);
        await using var database = TestDatabase.CreateSqlite();
        var familyModels = models.Count(m => m.Family is not null);

        var first = await CollectProcess.RunAsync(database, hub.Endpoint);
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\n{first.Stdout}\n{first.Stderr}");
        Assert.Contains("succeeded", first.Stdout, StringComparison.Ordinal);
        var modelRows = CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Models");
        var snapshotRows = CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Snapshots");
        Assert.Equal(familyModels, modelRows);
        Assert.Equal(familyModels, snapshotRows);

        var second = await CollectProcess.RunAsync(database, hub.Endpoint);
        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.Stdout}\n{second.Stderr}");
        Assert.Equal(modelRows, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Models"));
        Assert.Equal(snapshotRows, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Snapshots"));
        Assert.Equal(2, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Collections WHERE Status = 'succeeded'"));
    }

    [Fact]
    public async Task A_collection_killed_midway_is_completed_by_the_next_without_duplicates()
    {
        var models = Ecosystem.Generate(seed: 5, perFamily: 12);
        await using var hub = await FakeHuggingFaceHub.StartAsync(models);
        await using var database = TestDatabase.CreateSqlite();
        var familyModels = models.Count(m => m.Family is not null);
        var smallPages = new Dictionary<string, string> { ["Tracker__HuggingFace__PageSize"] = "3" };

        hub.PageDelay = TimeSpan.FromMilliseconds(400);
        long atKill;
        using (var doomed = CollectProcess.Start(database, hub.Endpoint, smallPages))
        {
            var deadline = DateTime.UtcNow.AddSeconds(45);
            while (true)
            {
                Assert.False(doomed.HasExited, $"collect ended before it could be killed\n{doomed.Stdout}\n{doomed.Stderr}");
                Assert.True(DateTime.UtcNow < deadline, "no snapshot was written within 45 s\n" + doomed.Stderr);
                var snapshots = TryCount(database.ConnectionString, "Snapshots");
                if (snapshots > 0)
                {
                    doomed.Kill(); // SIGKILL: no cleanup, no cancellation
                    atKill = TryCount(database.ConnectionString, "Snapshots");
                    break;
                }

                await Task.Delay(50);
            }
        }

        Assert.InRange(atKill, 1, familyModels - 1);
        Assert.Equal(1, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Collections WHERE Status = 'running'"));

        hub.PageDelay = TimeSpan.Zero;
        var rerun = await CollectProcess.RunAsync(database, hub.Endpoint, smallPages);
        Assert.True(rerun.ExitCode == 0, $"exit {rerun.ExitCode}\n{rerun.Stdout}\n{rerun.Stderr}");

        Assert.Equal(familyModels, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Snapshots"));
        Assert.Equal(familyModels, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Models"));
        Assert.Equal(familyModels, CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(DISTINCT Source || '/' || RepoKey) FROM Models"));

        // The totals, read back through the app's own queries over the same file, are the hub's.
        using var host = await CoreHost.StartAsync(database, hub.Endpoint);
        var families = await host.Services.GetRequiredService<TrackerQueries>().GetFamiliesAsync(CancellationToken.None);
        foreach (var id in Families)
        {
            var expected = Ecosystem.Expected(models, id);
            var totals = families.Single(f => f.Id == id).Totals;
            Assert.Equal(expected, new ExpectedTotals(totals.Models, totals.DownloadsAllTime, totals.Downloads30d, totals.Likes));
        }
    }

    [Fact]
    public async Task A_malformed_page_fails_the_command_and_names_the_org()
    {
        var models = Ecosystem.Generate(seed: 9, perFamily: 4);
        await using var hub = await FakeHuggingFaceHub.StartAsync(models);
        await using var database = TestDatabase.CreateSqlite();
        hub.MalformedPages[("tencent", 1)] = true;

        var run = await CollectProcess.RunAsync(database, hub.Endpoint);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("tencent", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("malformed", run.Stderr, StringComparison.Ordinal);
        // The other orgs were still collected.
        Assert.Equal(models.Count(m => m.Family == "qwen"), CollectProcess.Scalar(database.ConnectionString, "SELECT COUNT(*) FROM Models WHERE FamilyId = 'qwen'"));
    }

    private static long TryCount(string connectionString, string table)
    {
        try
        {
            return CollectProcess.Scalar(connectionString, $"SELECT COUNT(*) FROM {table}");
        }
        catch (SqliteException)
        {
            return 0; // not migrated yet, or busy
        }
    }
}
