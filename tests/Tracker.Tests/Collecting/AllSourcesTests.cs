using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Catalog;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Stats;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>Hugging Face, ModelScope and GitHub collected together against their loopback fakes.</summary>
public sealed class AllSourcesTests
{
    private static readonly string[] Families = ["qwen", "deepseek", "hunyuan", "ernie"];

    private sealed class Rig : IAsyncDisposable
    {
        public required FakeHuggingFaceHub Hub { get; init; }
        public required FakeModelScopeHub ModelScope { get; init; }
        public required FakeGitHub GitHub { get; init; }
        public required TestDatabase Database { get; init; }
        public required IHost Host { get; init; }
        public required ShiftedTimeProvider Clock { get; init; }
        public required List<FakeModel> HfModels { get; init; }
        public required List<FakeModel> MsModels { get; init; }
        public required List<(FakeGitHubRepo Repo, string? Family)> Repos { get; init; }

        public Collector Collector => Host.Services.GetRequiredService<Collector>();
        public TrackerQueries Queries => Host.Services.GetRequiredService<TrackerQueries>();

        public TrackerDbContext Db() => Host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContext();

        public static async Task<Rig> StartAsync(string provider)
        {
            var hf = Ecosystem.Generate(seed: 31, perFamily: 8);
            var ms = Ecosystem.GenerateModelScope(hf, seed: 31);
            var repos = Ecosystem.GenerateGitHub(seed: 31);
            var hub = await FakeHuggingFaceHub.StartAsync(hf);
            var modelScope = await FakeModelScopeHub.StartAsync(ms);
            var github = await FakeGitHub.StartAsync();
            github.Add([.. repos.Select(r => r.Repo)]);
            var database = await TestDatabase.CreateAsync(provider);
            var clock = new ShiftedTimeProvider();
            clock.SetDay(new DateOnly(2026, 11, 20));
            var host = await CoreHost.StartAsync(database, hub.Endpoint, clock, modelScope: modelScope.Endpoint, gitHub: github.ApiUrl);
            return new Rig
            {
                Hub = hub,
                ModelScope = modelScope,
                GitHub = github,
                Database = database,
                Host = host,
                Clock = clock,
                HfModels = hf,
                MsModels = ms,
                Repos = repos,
            };
        }

        public async ValueTask DisposeAsync()
        {
            Host.Dispose();
            await Hub.DisposeAsync();
            await ModelScope.DisposeAsync();
            await GitHub.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task One_Collection_Gives_Totals_Per_Platform_Equal_To_The_Servers_Sums(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var families = await rig.Queries.GetFamiliesAsync(CancellationToken.None);
        foreach (var id in Families)
        {
            var f = families.Single(x => x.Id == id);
            var hf = Ecosystem.Expected(rig.HfModels, id);
            var ms = Ecosystem.Expected(rig.MsModels, id);
            Assert.Equal(hf, new ExpectedTotals(f.ByPlatform[Platform.HuggingFace].Models, f.ByPlatform[Platform.HuggingFace].DownloadsAllTime,
                f.ByPlatform[Platform.HuggingFace].Downloads30d, f.ByPlatform[Platform.HuggingFace].Likes));
            Assert.Equal(ms, new ExpectedTotals(f.ByPlatform[Platform.ModelScope].Models, f.ByPlatform[Platform.ModelScope].DownloadsAllTime,
                f.ByPlatform[Platform.ModelScope].Downloads30d, f.ByPlatform[Platform.ModelScope].Likes));
            Assert.Null(f.ByPlatform[Platform.ModelScope].Downloads30d); // ModelScope has no 30-day counter: unknown, not zero

            // A model on both hubs is one model; downloads and likes add up across hubs.
            Assert.Equal(Ecosystem.DistinctModels(rig.HfModels, rig.MsModels, id), f.Totals.Models);
            Assert.True(f.Totals.Models < hf.Models + ms.Models);
            Assert.Equal(hf.DownloadsAllTime + ms.DownloadsAllTime, f.Totals.DownloadsAllTime);

            var repos = rig.Repos.Where(r => r.Family == id).Select(r => r.Repo).ToList();
            Assert.Equal(repos.Count, f.GitHub.Repos);
            Assert.Equal(repos.Sum(r => (long)r.Stars), f.GitHub.Stars);
            Assert.Equal(repos.Sum(r => (long)r.Forks), f.GitHub.Forks);
            Assert.Equal(repos.Sum(r => r.Releases!.Count), f.GitHub.Releases);
        }

        var models = await rig.Queries.GetSeriesAsync("ernie", Metrics.Models, null, null, new DateOnly(2026, 11, 20), CancellationToken.None);
        Assert.Equal(Ecosystem.DistinctModels(rig.HfModels, rig.MsModels, "ernie"), models!.Points[^1].Value);
        var msOnly = await rig.Queries.GetSeriesAsync("ernie", Metrics.Models, Platform.ModelScope, null, new DateOnly(2026, 11, 20), CancellationToken.None);
        Assert.Equal(Ecosystem.Expected(rig.MsModels, "ernie").Models, msOnly!.Points[^1].Value);

        await using var db = rig.Db();
        var release = await db.Releases.SingleAsync(r => r.Tag == "v1.0" && db.Repos.Any(x => x.Id == r.RepoId && x.FullName == "QwenLM/Qwen3"));
        var qwen3 = rig.Repos.Single(r => r.Repo.Name == "Qwen3").Repo.Releases![0];
        Assert.Equal(qwen3.AssetDownloads.Sum(), release.AssetDownloads);
        Assert.True(await db.Repos.AnyAsync(r => r.FullName == "QwenLM/Qwen-Agent" && r.Archived));
        Assert.False(await db.Repos.AnyAsync(r => r.FullName == "Tencent/ncnn" || r.FullName == "PaddlePaddle/Paddle"));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task ModelScope_Failing_Leaves_The_Other_Sources_Collected_And_The_Failure_Visible(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);
        rig.ModelScope.FailAll = true;

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Partial, result.Status);
        Assert.All(result.Runs.Where(r => r.Source == Platform.ModelScope), r => Assert.Equal(RunStatus.Failed, r.Status));
        Assert.All(result.Runs.Where(r => r.Source != Platform.ModelScope), r => Assert.Equal(RunStatus.Succeeded, r.Status));
        var status = await rig.Queries.GetSourceStatusAsync(CancellationToken.None);
        Assert.Contains("500", status.Single(s => s.Source == Platform.ModelScope).LastError, StringComparison.Ordinal);
        Assert.Null(status.Single(s => s.Source == Platform.ModelScope).LastSuccess);
        Assert.NotNull(status.Single(s => s.Source == Platform.GitHub).LastSuccess);
        var qwen = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "qwen");
        Assert.Equal(Ecosystem.Expected(rig.HfModels, "qwen").DownloadsAllTime, qwen.ByPlatform[Platform.HuggingFace].DownloadsAllTime);
        Assert.True(qwen.GitHub.Stars > 0);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_GitHub_Rate_Limit_Defers_The_Work_And_A_Later_Run_Completes_It(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);
        rig.GitHub.Limit = 6;
        rig.GitHub.RateLimitStatus = 429;
        rig.GitHub.ResetAt = rig.Clock.GetUtcNow() + TimeSpan.FromHours(1);

        var first = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Deferred, first.Status);
        Assert.NotNull(first.ResumeAt);
        Assert.Contains(first.Runs, r => r.Source == Platform.GitHub && r.Status == RunStatus.Deferred);
        Assert.All(first.Runs.Where(r => r.Source != Platform.GitHub), r => Assert.Equal(RunStatus.Succeeded, r.Status));

        // The reset comes: GitHub's quota is refilled and the clock passes x-ratelimit-reset, which the pacer remembered.
        rig.GitHub.Limit = rig.GitHub.Used + 5000;
        rig.Clock.Offset += (first.ResumeAt!.Value - rig.Clock.GetUtcNow().UtcDateTime) + TimeSpan.FromMinutes(1);
        var second = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, second.Status);
        Assert.All(second.Runs, r => Assert.Equal(Platform.GitHub, r.Source)); // the hubs were done already today
        var families = await rig.Queries.GetFamiliesAsync(CancellationToken.None);
        Assert.All(Families, id => Assert.Equal(
            rig.Repos.Where(r => r.Family == id).Sum(r => (long)r.Repo.Stars), families.Single(f => f.Id == id).GitHub.Stars));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_Moved_Repository_Is_Followed_And_Kept_Once(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);
        await rig.Collector.RunAsync("test", CancellationToken.None);

        // Next day HunyuanDiT has moved from Tencent to Tencent-Hunyuan: the old path answers 301.
        var dit = rig.Repos.Single(r => r.Repo.Name == "HunyuanDiT").Repo;
        rig.GitHub.Repos.TryRemove(dit.FullName, out _);
        rig.GitHub.Add(dit with { Owner = "Tencent-Hunyuan", Stars = dit.Stars + 10 });
        rig.GitHub.Moves["Tencent/HunyuanDiT"] = "Tencent-Hunyuan/HunyuanDiT";
        rig.Clock.SetDay(new DateOnly(2026, 11, 21));
        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var hunyuan = (await rig.Queries.GetFamiliesAsync(CancellationToken.None)).Single(f => f.Id == "hunyuan");
        Assert.Equal(rig.Repos.Where(r => r.Family == "hunyuan").Sum(r => (long)r.Repo.Stars) + 10, hunyuan.GitHub.Stars);
        Assert.Equal(rig.Repos.Count(r => r.Family == "hunyuan"), hunyuan.GitHub.Repos);
        await using var db = rig.Db();
        var rows = await db.Repos.Where(r => r.GitHubId == dit.Id || r.FullName.EndsWith("/HunyuanDiT")).ToListAsync();
        Assert.Contains(rows, r => r.MovedTo == "Tencent-Hunyuan/HunyuanDiT");
        Assert.Single(rows, r => r.GoneSince == null);
        var stars = await rig.Queries.GetSeriesAsync("hunyuan", Metrics.Stars, null, null, null, CancellationToken.None);
        Assert.Equal(2, stars!.Points.Count);
        Assert.Equal(stars.Points[0].Value + 10, stars.Points[1].Value);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Unchanged_GitHub_Resources_Cost_A_304_The_Next_Day(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);
        await rig.Collector.RunAsync("test", CancellationToken.None);
        rig.GitHub.ClearRequests();
        rig.Clock.SetDay(new DateOnly(2026, 11, 21));

        var result = await rig.Collector.RunAsync("test", CancellationToken.None);

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var requests = rig.GitHub.Requests.ToList();
        Assert.NotEmpty(requests);
        Assert.All(requests, r => Assert.Equal(304, r.Status));
        await using var db = rig.Db();
        Assert.True(await db.HttpCache.CountAsync() >= requests.Count); // the ETag cache is persisted in the database
        Assert.Equal(rig.Repos.Count(r => r.Family is not null), await db.RepoSnapshots.CountAsync(s => s.Day == new DateOnly(2026, 11, 21)));
    }
}
