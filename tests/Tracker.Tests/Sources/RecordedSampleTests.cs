using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Sources.HuggingFace;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Sources;

/// <summary>The real responses recorded by other projects (../shared/sources/samples/hf) parse through the real source.</summary>
public sealed class RecordedSampleTests
{
    private static async Task<List<Tracker.Core.Sources.HubModel>> ServeAndListAsync(string author, string body)
    {
        await using var hub = await FakeHuggingFaceHub.StartAsync();
        await using var db = TestDatabase.CreateSqlite();
        hub.RawListings[author] = body;
        using var host = await CoreHost.StartAsync(db, hub.Endpoint);
        var models = new List<Tracker.Core.Sources.HubModel>();
        await foreach (var page in host.Services.GetRequiredService<HuggingFaceSource>().ListModelsAsync(author, 1000, CancellationToken.None))
        {
            models.AddRange(page.Models);
        }

        return models;
    }

    [SamplesFact]
    public async Task Recorded_List_Page_Parses()
    {
        var body = await File.ReadAllTextAsync(Path.Combine(Repository.Samples!, "hf", "list-models.burncloud-TODO-sample.json"));

        var models = await ServeAndListAsync("any", body);

        Assert.Equal(2, models.Count);
        var kimi = models.Single(m => m.RepoId == "moonshotai/Kimi-K2-Thinking");
        Assert.Equal(5119, kimi.Downloads30d);
        Assert.Equal(578, kimi.Likes);
        Assert.Null(kimi.DownloadsAllTime); // not expanded in that recording: unknown, not zero
        Assert.Equal("text-generation", kimi.PipelineTag);
        Assert.Equal("other", kimi.License);
        Assert.Equal(new DateTime(2025, 11, 4, 8, 25, 31, DateTimeKind.Utc), kimi.CreatedAt);
    }

    [SamplesFact]
    public async Task Recorded_Model_Info_Objects_Parse_Ignoring_Unknown_Fields()
    {
        var folder = Path.Combine(Repository.Samples!, "hf");
        var files = Directory.GetFiles(folder, "model-info.*.response.json");
        Assert.NotEmpty(files);
        var body = "[" + string.Join(",", files.Select(File.ReadAllText)) + "]";

        var models = await ServeAndListAsync("any", body);

        Assert.Equal(files.Length, models.Count);
        var bert = models.Single(m => m.RepoId == "google-bert/bert-base-uncased");
        Assert.Equal("false", bert.Gated);
        Assert.NotNull(bert.Downloads30d);
        Assert.Equal("fill-mask", bert.PipelineTag);
        Assert.NotNull(bert.ParameterCount);
        Assert.NotNull(bert.ParameterDtypes);
        // bert predates Hugging Face's creation dates: the sentinel reads as unknown.
        Assert.Null(bert.CreatedAt);
    }
}
