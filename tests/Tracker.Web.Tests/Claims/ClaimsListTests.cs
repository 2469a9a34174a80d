using System.Text.Json;
using System.Xml.Linq;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Claims;
using Tracker.Core.Data;
using Tracker.Core.Stats;
using Tracker.Testing;
using Tracker.Web.Components.Claims;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Claims;

/// <summary>The claims list alone, over stored measurements: each measurement's sentence in the visitor's language.</summary>
public sealed class ClaimsListTests : BunitContext, IAsyncLifetime
{
    private static readonly DateOnly Day = new(2025, 9, 30);

    private TestDatabase _database = default!;
    private IHost _core = default!;

    public async Task InitializeAsync()
    {
        _database = TestDatabase.CreateSqlite();
        // Nothing here collects: the hub address is never called.
        _core = await CoreHost.StartAsync(_database, new Uri("http://127.0.0.1:9/"));
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddSingleton(_core.Services.GetRequiredService<ClaimsQueries>());
        // Rendered as the page's static pass: the charts wait for a circuit and stay out of the way.
        Renderer.SetRendererInfo(new RendererInfo("Static", isInteractive: false));

        await using var db = await _core.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        db.AddRange(
            Measured("qwen-downloads", Verdicts.Consistent, 612_345_678, new ClaimNote("downloads-on-day", [new NoteNumber(612_345_678), new NoteDay(Day)])),
            Measured("qwen-modalities", Verdicts.Inconsistent, 3, new ClaimNote("modalities-missing", [new NoteNumber(3), new NoteNumber(4),
                new NoteList([new NoteTerm("Modality", "text"), new NoteTerm("Modality", "image"), new NoteTerm("Modality", "audio")]),
                new NoteList([new NoteTerm("Modality", "video")])])),
            Measured("deepseek-r1-fp8", Verdicts.Inconsistent, 650_000_000, new ClaimNote("fp8-not-video", [new NoteNumber(99.44),
                new NoteList([new NoteCount("F8_E4M3", 650_000_000), new NoteCount("BF16", 3_000_000)]), new NoteText("text-generation")])),
            // Measured before notes were kept: only the English sentence.
            Measured("qwen-derivatives", Verdicts.Inconsistent, 12, null, "12 derivatives on 2025-09-30"));
        await db.SaveChangesAsync();
    }

    private static ClaimMeasurement Measured(string id, string verdict, double value, ClaimNote? note, string? valueText = null) => new()
    {
        ClaimId = id,
        Day = new DateOnly(2026, 1, 5),
        MeasuredAt = new DateTime(2026, 1, 5, 3, 0, 0, DateTimeKind.Utc),
        Verdict = verdict,
        Value = value,
        ValueText = valueText ?? note!.English,
        ValueAsOf = Day,
        AtClaimDate = true,
        Platforms = "huggingface",
        Gap = "English gap",
        Note = note is null ? null : JsonSerializer.Serialize(note),
        Breakdown = """{"latest":612345678,"huggingface":612345678,"qwen:2025-09-01":3}""",
    };

    private static string Note(IRenderedComponent<ClaimsList> list, string id) => list.Find($"article[data-claim='{id}'] [data-field=note]").TextContent;

    [Fact]
    public void Measurement_sentences_and_claimed_figures_read_in_Chinese_with_wan_and_yi_and_Chinese_dates()
    {
        using var _ = new CultureScope("zh-CN");
        var list = Render<ClaimsList>();

        Assert.Equal("2025年9月30日：累计下载 6.12亿 次", Note(list, "qwen-downloads"));
        Assert.Equal("覆盖 4 种模态中的 3 种（文本、图像、音频）；缺少：视频", Note(list, "qwen-modalities"));
        Assert.Equal("FP8 权重占参数的 99.4%（F8_E4M3 6.5亿、BF16 300万）；但 pipeline 标签为 text-generation，不是视频生成", Note(list, "deepseek-r1-fp8"));
        Assert.Null(list.Find("article[data-claim='qwen-downloads'] [data-field=note]").GetAttribute("lang"));
        Assert.StartsWith("≥ 6亿 次下载 (截至 2025年9月30日)", list.Find("article[data-claim='qwen-downloads'] [data-field=claimed]").TextContent, StringComparison.Ordinal);
        Assert.StartsWith("文本、图像、音频、视频", list.Find("article[data-claim='qwen-modalities'] [data-field=claimed]").TextContent, StringComparison.Ordinal);
        Assert.Equal("Hugging Face", list.Find("article[data-claim='qwen-downloads'] [data-field=platforms]").TextContent);
        Assert.Equal(["最新：6.12亿", "Hugging Face：6.12亿", "qwen:2025-09-01: 3"],
            list.FindAll("article[data-claim='qwen-downloads'] li[data-key]").Select(li => System.Text.RegularExpressions.Regex.Replace(li.TextContent, @"\s+", " ").Trim()));

        // A row from before notes keeps its English sentence, marked as English.
        var old = list.Find("article[data-claim='qwen-derivatives'] [data-field=note]");
        Assert.Equal(("12 derivatives on 2025-09-30", "en"), (old.TextContent, old.GetAttribute("lang")));

        // A claim not measured yet says so in Chinese, gap included.
        var unmeasured = list.Find("article[data-claim='qwen-open-models']");
        Assert.Equal("尚未测量", unmeasured.QuerySelector("[data-field=note]")!.TextContent);
        Assert.Equal("Tracker 尚未测量这一论断：每次采集后都会测量。", unmeasured.QuerySelector("[data-field=gap]")!.TextContent);
        Assert.DoesNotContain("downloads on", list.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("covered", list.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Measurement_sentences_read_in_English_with_thousands()
    {
        using var _ = new CultureScope("en");
        var list = Render<ClaimsList>();

        Assert.Equal("612,345,678 downloads on 2025-09-30", Note(list, "qwen-downloads"));
        Assert.StartsWith("≥ 600,000,000 downloads (As of 2025-09-30)", list.Find("article[data-claim='qwen-downloads'] [data-field=claimed]").TextContent, StringComparison.Ordinal);
        Assert.Equal("3 of 4 covered (text, image, audio); missing: video", Note(list, "qwen-modalities"));
        Assert.Equal("FP8 weights: 99.4% of parameters (F8_E4M3 650,000,000, BF16 3,000,000); but the pipeline tag is text-generation, not video generation",
            Note(list, "deepseek-r1-fp8"));
        Assert.Equal("not measured yet", Note(list, "qwen-open-models"));
    }

    [Fact]
    public void Every_sentence_and_term_a_note_can_name_exists_in_English_and_Chinese()
    {
        var resources = Path.Combine(Repository.Root, "src", "Tracker.Web", "Resources");
        foreach (var file in new[] { "Localization.ClaimsResource.resx", "Localization.ClaimsResource.zh-CN.resx" })
        {
            var keys = XDocument.Load(Path.Combine(resources, file)).Root!.Elements("data").Select(e => e.Attribute("name")!.Value).ToHashSet();
            string[] needed =
            [
                .. ClaimNote.Sentences.Keys.Select(k => "Note." + k),
                .. new[] { "text", "image", "audio", "video" }.Select(m => "Modality." + m),
                .. new[] { RankingOrigins.Trending, RankingOrigins.Imported }.Select(o => "Origin." + o),
            ];
            Assert.All(needed, k => Assert.True(keys.Contains(k), $"{file}: {k}"));
        }
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        _core.Dispose();
        await _database.DisposeAsync();
    }
}
