using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Catalog;
using Tracker.Core.Claims;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Stats;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Claims;

/// <summary>Claims measured against fake hubs whose ecosystem is known, on both database providers.</summary>
public sealed class ClaimsMeasurementTests
{
    private static readonly DateOnly CutOff = new(2025, 9, 30);

    private sealed class Rig : IAsyncDisposable
    {
        public required FakeHuggingFaceHub Hub { get; init; }
        public required FakeModelScopeHub ModelScope { get; init; }
        public required TestDatabase Database { get; init; }
        public required IHost Host { get; init; }
        public required List<FakeModel> HfModels { get; init; }
        public required List<FakeModel> MsModels { get; init; }
        public required Dictionary<string, List<FakeChild>> Tree { get; init; }

        public T Get<T>() where T : notnull => Host.Services.GetRequiredService<T>();

        public TrackerDbContext Db() => Get<IDbContextFactory<TrackerDbContext>>().CreateDbContext();

        public static async Task<Rig> StartAsync(string provider)
        {
            var hf = Ecosystem.Generate(seed: 41, perFamily: 10);
            hf.Add(new FakeModel("deepseek-ai/DeepSeek-R1", "deepseek", new DateTime(2025, 1, 20, 3, 46, 7, DateTimeKind.Utc), 900_000, 9_000_000, 12_000,
                PipelineTag: "text-generation", ParameterTotal: 684_531_386_000,
                ParameterDtypes: new Dictionary<string, long> { ["BF16"] = 3_918_786_560, ["F8_E4M3"] = 680_571_043_840, ["F32"] = 41_555_600 }));
            hf.Add(new FakeModel("tencent/Hunyuan3D-Omni", "hunyuan", new DateTime(2025, 9, 26, 8, 0, 0, DateTimeKind.Utc), 5_000, 40_000, 300, PipelineTag: "image-to-3d"));
            hf.Add(new FakeModel("tencent/Hunyuan3D-2.1", "hunyuan", new DateTime(2025, 6, 13, 8, 0, 0, DateTimeKind.Utc), 50_000, 400_000, 900, PipelineTag: "image-to-3d"));
            var tree = Ecosystem.GenerateChildren(hf, seed: 41, average: 5);
            tree["tencent/Hunyuan3D-Omni"] =
            [
                new FakeChild("someone/Hunyuan3D-Omni-GGUF", "quantized", new DateTime(2025, 10, 5, 0, 0, 0, DateTimeKind.Utc), 10, 100, 1),
                new FakeChild("other/Hunyuan3D-Omni-late", "finetune", new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc), 10, 100, 1),
            ];
            var ms = Ecosystem.GenerateModelScope(hf, seed: 41);
            var hub = await FakeHuggingFaceHub.StartAsync(hf);
            foreach (var (id, children) in tree)
            {
                hub.Children[id] = children;
            }

            var modelScope = await FakeModelScopeHub.StartAsync(ms);
            var database = await TestDatabase.CreateAsync(provider);
            var clock = new ShiftedTimeProvider();
            clock.SetDay(new DateOnly(2026, 11, 20));
            var host = await CoreHost.StartAsync(database, hub.Endpoint, clock, modelScope: modelScope.Endpoint);
            return new Rig { Hub = hub, ModelScope = modelScope, Database = database, Host = host, HfModels = hf, MsModels = ms, Tree = tree };
        }

        public async Task CollectAndMeasureAsync()
        {
            var result = await Get<Collector>().RunAsync("test", CancellationToken.None);
            Assert.True(result.Succeeded, string.Join("; ", result.Runs.Select(r => r.Error)));
            await Get<ClaimsRefresher>().RunAsync(CancellationToken.None);
        }

        public async ValueTask DisposeAsync()
        {
            Host.Dispose();
            await Hub.DisposeAsync();
            await ModelScope.DisposeAsync();
            await Database.DisposeAsync();
        }
    }

    /// <summary>Distinct model names of a family across both hubs whose earliest known creation is by the cut-off.</summary>
    private static int DistinctCreatedBy(IEnumerable<FakeModel> models, string family, DateOnly day) =>
        models.Where(m => m.Family == family && m.CreatedAt is { } c && c != Ecosystem.Sentinel)
            .GroupBy(m => m.Id.Split('/')[1].ToLowerInvariant())
            .Count(g => DateOnly.FromDateTime(g.Min(m => m.CreatedAt!.Value)) <= day);

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Counts_on_2025_09_30_equal_what_was_created_by_then_and_the_verdicts_follow(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);

        await rig.CollectAndMeasureAsync();

        var claims = rig.Get<ClaimsQueries>();
        var models = (await claims.GetClaimAsync("qwen-open-models", CancellationToken.None))!.Measurement;
        var expectedModels = DistinctCreatedBy(rig.HfModels.Concat(rig.MsModels), "qwen", CutOff);
        Assert.Equal(expectedModels, models.Value);
        Assert.Equal(Ecosystem.CreatedBy(rig.HfModels, "qwen", CutOff), models.Breakdown[Platform.HuggingFace]);
        Assert.Equal(Ecosystem.CreatedBy(rig.MsModels, "qwen", CutOff), models.Breakdown[Platform.ModelScope]);
        Assert.Equal(CutOff, models.ValueAsOf);
        Assert.True(models.AtClaimDate);
        Assert.Equal(Verdicts.Inconsistent, (await claims.GetClaimAsync("qwen-open-models", CancellationToken.None))!.Measurement.Verdict); // far fewer than 300 here
        Assert.Contains("deleted since are missing", models.Gap, StringComparison.Ordinal);

        var derivatives = (await claims.GetClaimAsync("qwen-derivatives", CancellationToken.None))!.Measurement;
        Assert.Equal(Ecosystem.ChildrenBy(rig.HfModels, rig.Tree, "qwen", CutOff).Values.Sum(), derivatives.Value);
        Assert.Equal(Verdicts.Inconsistent, derivatives.Verdict);

        // The verdict follows the count: a claim of exactly the measured number is consistent, one more is not.
        var measurer = rig.Get<ClaimsMeasurer>();
        var ledger = rig.Get<ClaimsLedger>();
        var openModels = ledger.Find("qwen-open-models")!;
        Assert.Equal(Verdicts.Consistent, (await measurer.MeasureAsync(openModels with { Value = expectedModels }, CancellationToken.None)).Verdict);
        Assert.Equal(Verdicts.Inconsistent, (await measurer.MeasureAsync(openModels with { Value = expectedModels + 1 }, CancellationToken.None)).Verdict);
        var tree = ledger.Find("qwen-derivatives")!;
        Assert.Equal(Verdicts.Consistent, (await measurer.MeasureAsync(tree with { Value = derivatives.Value }, CancellationToken.None)).Verdict);

        // Downloads exist only from Tracker's snapshot (2026-11-20): a later total, lower than the claim, contradicts it.
        var downloads = (await claims.GetClaimAsync("qwen-downloads", CancellationToken.None))!.Measurement;
        Assert.Equal(Ecosystem.Expected(rig.HfModels, "qwen").DownloadsAllTime + Ecosystem.Expected(rig.MsModels, "qwen").DownloadsAllTime, (long?)downloads.Value);
        Assert.False(downloads.AtClaimDate);
        Assert.Equal(Verdicts.Inconsistent, downloads.Verdict);
        var lowerBound = await measurer.MeasureAsync(ledger.Find("qwen-downloads")! with { Value = 1000 }, CancellationToken.None);
        Assert.Equal(Verdicts.LowerBoundOnly, lowerBound.Verdict);

        var fp8 = (await claims.GetClaimAsync("deepseek-r1-fp8", CancellationToken.None))!.Measurement;
        Assert.Equal(Verdicts.Inconsistent, fp8.Verdict);
        Assert.Contains("F8_E4M3", fp8.ValueText, StringComparison.Ordinal);
        // The stored note is the same sentence as data: it reads back as the API's English.
        Assert.Equal(fp8.ValueText, fp8.Note!.English);
        Assert.Equal(downloads.ValueText, downloads.Note!.English);
        Assert.Equal(new NoteNumber(downloads.Value!.Value), downloads.Note.Args[0]);

        var omni = (await claims.GetClaimAsync("hunyuan3d-omni", CancellationToken.None))!.Measurement;
        Assert.Equal(Verdicts.Consistent, omni.Verdict);
        Assert.Equal(1, omni.Value); // the GGUF within 30 days; the February one is too late

        // Every family named had a new repository in September 2025 exactly when the generator made one.
        var wave = (await claims.GetClaimAsync("sept-wave", CancellationToken.None))!.Measurement;
        var active = new[] { "qwen", "hunyuan", "ernie" }.Count(f => rig.HfModels.Concat(rig.MsModels)
            .Any(m => m.Family == f && m.CreatedAt is { Year: 2025, Month: 9 }));
        Assert.Equal(active, wave.Value);
        Assert.Equal(active == 3 ? Verdicts.Consistent : Verdicts.Inconsistent, wave.Verdict);

        // No October 2025 ranking: not verifiable, whatever today's trending says.
        Assert.Equal(Verdicts.NotVerifiable, (await claims.GetClaimAsync("top5-chinese", CancellationToken.None))!.Measurement.Verdict);
        Assert.Equal(Verdicts.NotVerifiable, (await claims.GetClaimAsync("coal-chem", CancellationToken.None))!.Measurement.Verdict);
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Verdict_changes_are_kept_with_their_dates_and_an_imported_october_ranking_decides_the_top_five(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);
        await rig.Get<ClaimsMeasurer>().MeasureAllAsync(CancellationToken.None); // before any collection: nothing to measure

        await rig.CollectAndMeasureAsync();
        await rig.Get<ClaimsRefresher>().RunAsync(CancellationToken.None); // a second run the same day changes nothing

        var view = (await rig.Get<ClaimsQueries>().GetClaimAsync("qwen-open-models", CancellationToken.None))!;
        Assert.Equal([(null, Verdicts.NotVerifiable), (Verdicts.NotVerifiable, Verdicts.Inconsistent)], view.History.Select(h => (h.From, h.Verdict)));
        Assert.All(view.History, h => Assert.Equal(new DateOnly(2026, 11, 20), h.Day));
        await using (var db = rig.Db())
        {
            Assert.Equal(15, await db.Set<ClaimMeasurement>().CountAsync()); // one row per claim and day, upserted
        }

        var importer = rig.Get<RankingImporter>();
        await importer.ImportAsync(new StringReader("rank,model,score\n1,Qwen/Qwen3-Max,90\n2,deepseek-ai/DeepSeek-V3.2,80\n3,moonshotai/Kimi-K2,70\n4,zai-org/GLM-4.6,60\n5,MiniMaxAI/MiniMax-M2,50\n6,meta-llama/Llama-4,40\n"),
            new DateOnly(2025, 10, 15), "test archive", CancellationToken.None);
        var results = await rig.Get<ClaimsMeasurer>().MeasureAllAsync(CancellationToken.None);
        Assert.Equal(Verdicts.Consistent, results["top5-chinese"].Verdict);
        Assert.Equal(5, results["top5-chinese"].Value);

        await importer.ImportAsync(new StringReader("rank,model\n1,Qwen/Qwen3-Max\n2,openai/gpt-oss-120b\n3,deepseek-ai/DeepSeek-V3.2\n4,zai-org/GLM-4.6\n5,moonshotai/Kimi-K2\n"),
            new DateOnly(2025, 10, 20), null, CancellationToken.None);
        results = await rig.Get<ClaimsMeasurer>().MeasureAllAsync(CancellationToken.None);
        Assert.Equal(Verdicts.Inconsistent, results["top5-chinese"].Verdict);
        var top5 = (await rig.Get<ClaimsQueries>().GetClaimAsync("top5-chinese", CancellationToken.None))!;
        Assert.Equal([Verdicts.NotVerifiable, Verdicts.Consistent, Verdicts.Inconsistent], top5.History.Select(h => h.Verdict));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task The_trending_recorder_keeps_the_top_twenty_once_a_day_with_each_authors_country(string provider)
    {
        await using var rig = await Rig.StartAsync(provider);
        rig.Hub.SetModels([.. rig.HfModels, new FakeModel("some-user/viral-merge", null, null, 1, 1, 1), new FakeModel("meta-llama/Llama-3.1-8B-Instruct", null, null, 1, 1, 1)]);
        rig.Hub.TrendingScores["some-user/viral-merge"] = 1_000_000;
        rig.Hub.TrendingScores["meta-llama/Llama-3.1-8B-Instruct"] = 900_000;
        rig.Hub.TrendingScores["deepseek-ai/DeepSeek-R1"] = 800_000;

        Assert.True(await rig.Get<TrendingRecorder>().RecordAsync(CancellationToken.None));
        rig.Hub.ClearRequests();
        Assert.False(await rig.Get<TrendingRecorder>().RecordAsync(CancellationToken.None));
        Assert.Equal(0, rig.Hub.RequestCount);

        var ranking = await rig.Get<ClaimsQueries>().GetRankingAsync(new DateOnly(2026, 11, 20), RankingOrigins.Trending, CancellationToken.None);
        Assert.Equal(TrendingRecorder.Size, ranking.Count);
        Assert.Equal(Enumerable.Range(1, 20), ranking.Select(r => r.Rank));
        Assert.Equal(("some-user/viral-merge", "some-user", null), (ranking[0].RepoId, ranking[0].Author, ranking[0].Country));
        Assert.Equal(("meta-llama/Llama-3.1-8B-Instruct", "US"), (ranking[1].RepoId, ranking[1].Country));
        Assert.Equal(("deepseek-ai/DeepSeek-R1", "CN"), (ranking[2].RepoId, ranking[2].Country));
        Assert.Equal(800_000, ranking[2].Score);
        Assert.True(ranking.Zip(ranking.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Theory]
    [InlineData("model,score\nQwen/Q,1\n", "line 1: the header must name 'rank' and 'model'")]
    [InlineData("rank,model\n1,Qwen/Q\n1,Qwen/R\n", "line 3: rank '1' is not a positive whole number used once")]
    [InlineData("rank,model\n1,just-a-name\n", "line 2: model 'just-a-name' is not owner/name")]
    [InlineData("rank,model\n", "the ranking CSV has a header but no rows")]
    public void A_bad_ranking_csv_is_refused_naming_the_line(string csv, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RankingImporter.Parse(new StringReader(csv)));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }
}
