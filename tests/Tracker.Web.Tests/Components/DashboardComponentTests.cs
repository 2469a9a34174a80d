using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Tracker.Core.Catalog;
using Tracker.Core.Data;
using Tracker.Core.Stats;
using Tracker.Testing;
using Tracker.Web.Components.Charts;
using Tracker.Web.Components.Common;
using Tracker.Web.Localization;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Components;

/// <summary>The dashboard's components and shaping alone: localisation, number formats, encoding, series arithmetic.</summary>
public sealed partial class DashboardComponentTests : BunitContext
{
    private const string Hostile = "<img src=x onerror=alert(1)>";

    public DashboardComponentTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
    }

    private static FamilySummary Family(string name, long? downloads) => new(
        "qwen", name, "Alibaba " + Hostile,
        new PlatformTotals(12, downloads, 5, 7, new DateOnly(2026, 1, 1), null),
        new Dictionary<string, PlatformTotals> { ["huggingface"] = new(12, downloads, 5, 7, null, null) },
        new DerivativeTotals(1, 2, 3, 4, 10, null, null), new GitHubTotals(2, 100, 5, 1, null, null), null, []);

    [Fact]
    public void A_family_card_speaks_Chinese_with_wan_and_yi_and_English_with_thousands()
    {
        using (new CultureScope("zh-CN"))
        {
            var cut = Render<FamilyCard>(p => p.Add(x => x.Family, Family("Qwen", 123_456_789)).Add(x => x.Color, "#0072B2"));
            Assert.Equal("1.23亿", cut.Find("[data-metric=downloadsAllTime]").TextContent);
            Assert.Contains("模型数", cut.Find("dl").TextContent, StringComparison.Ordinal);
            Assert.Contains("按平台", cut.Find("summary").TextContent, StringComparison.Ordinal);
        }

        using (new CultureScope("en"))
        {
            var cut = Render<FamilyCard>(p => p.Add(x => x.Family, Family("Qwen", 123_456_789)).Add(x => x.Color, "#0072B2"));
            Assert.Equal("123,456,789", cut.Find("[data-metric=downloadsAllTime]").TextContent);
            Assert.Contains("Models", cut.Find("dl").TextContent, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_family_card_words_its_quality_notes_in_the_visitor_s_language_from_their_numbers()
    {
        var day = new DateOnly(2026, 1, 31);
        var family = Family("Qwen", 1) with
        {
            Quality =
            [
                new(QualityKinds.Partial, "huggingface: 12345 of 20000 models did not report on 2026-01-31; totals are a lower bound.", day, day, "huggingface", 12_345, 20_000),
                new(QualityKinds.CounterDecrease, "modelscope: the all-time download counter of 3 model(s) went down on 2026-01-31; kept as reported.", day, day, "modelscope", 3),
            ],
        };
        string[] Notes() => [.. Render<FamilyCard>(p => p.Add(x => x.Family, family).Add(x => x.Color, "#0072B2")).FindAll("p.quality").Select(q => q.TextContent)];

        using (new CultureScope("zh-CN"))
        {
            Assert.Equal(
            [
                "Hugging Face：2026年1月31日有 1.23万 个模型（共 2万 个）未报告数据，总数为下限。",
                "魔搭 ModelScope：2026年1月31日有 3 个模型的累计下载计数下降，按原样保留。",
            ], Notes());
        }

        using (new CultureScope("en"))
        {
            Assert.Equal(
            [
                "Hugging Face: 12,345 of 20,000 models did not report on 2026-01-31; totals are a lower bound.",
                "ModelScope: 3 model(s) saw their all-time download counter go down on 2026-01-31; kept as reported.",
            ], Notes());
        }
    }

    [Theory]
    [InlineData(9_999, "9,999")]
    [InlineData(12_345, "1.23万")]
    [InlineData(10_000, "1万")]
    [InlineData(100_000_000, "1亿")]
    [InlineData(2_345_678_901, "23.46亿")]
    [InlineData(-50_000, "-5万")]
    public void Chinese_numbers_group_by_wan_and_yi(long value, string expected) =>
        Assert.Equal(expected, Format.Number(value, new CultureInfo("zh-CN")));

    [Fact]
    public void Hostile_names_render_as_text_in_cards_and_tables()
    {
        using var _ = new CultureScope("en");
        var card = Render<FamilyCard>(p => p.Add(x => x.Family, Family("Qwen " + Hostile, 1)).Add(x => x.Color, "#0072B2"));
        Assert.Empty(card.FindAll("img"));
        Assert.Contains(Hostile, card.Find("h2").TextContent, StringComparison.Ordinal);

        var row = new ModelRow("huggingface", "Qwen/" + Hostile, "qwen", null, "text-generation", null, null, null, null, 1, 2, 3, null, DateTime.UtcNow, null);
        var table = Render<ModelTable>(p => p.Add(x => x.Items, [row]).Add(x => x.SortUrl, s => "/models?sort=" + s));
        Assert.Empty(table.FindAll("img"));
        var link = table.Find("tbody th a");
        Assert.Equal("Qwen/" + Hostile, link.TextContent);
        Assert.Equal("/models/Qwen/" + Uri.EscapeDataString(Hostile), link.GetAttribute("href"));
    }

    [Fact]
    public void The_chart_wrapper_encodes_markers_and_axis_titles_and_links_its_CSV()
    {
        var spec = new ChartSpec("c", "T", ChartKind.StackedArea,
        [
            new ChartSeries(Hostile, ["2026-01-01", "2026-01-02"], [1, 2], "#000"),
            new ChartSeries("marker " + Hostile, ["2026-01-02"], [2], "#000", SeriesStyle.Markers),
        ])
        { LogY = true, XTitle = Hostile, CsvUrl = "/api/v1/charts/compare?format=csv", Links = [new ChartLink(Hostile, "/api/v1/families/qwen/series?metric=models&format=csv")] };
        var cut = Render<TrackerChart>(p => p.Add(x => x.Spec, spec));
        var chart = cut.FindComponent<PlotlyChart>().Instance;

        Assert.All(chart.Data.Cast<Scatter>(), t => Assert.DoesNotContain("<img", t.Name, StringComparison.Ordinal));
        Assert.Equal("stack", ((Scatter)chart.Data[0]).StackGroup);
        Assert.Equal(Plotly.Blazor.Traces.ScatterLib.ModeFlag.Markers, ((Scatter)chart.Data[1]).Mode);
        Assert.Equal(Plotly.Blazor.LayoutLib.YAxisLib.TypeEnum.Log, chart.Layout.YAxis[0].Type);
        Assert.DoesNotContain("<img", chart.Layout.XAxis[0].Title.Text, StringComparison.Ordinal);
        Assert.Equal("/api/v1/charts/compare?format=csv", cut.Find("[data-testid=csv-link]").GetAttribute("href"));
        Assert.Equal(Hostile, cut.Find("[data-testid=series-link]").TextContent);
        Assert.Empty(cut.FindAll("img"));
    }

    [Fact]
    public void A_chart_s_text_alternative_writes_its_newest_day_and_value_for_the_language()
    {
        var spec = new ChartSpec("c", "T", ChartKind.Line, [new ChartSeries("Qwen", ["2026-01-30", "2026-01-31"], [1, 123_456_789])]);
        string Summary() => Render<TrackerChart>(p => p.Add(x => x.Spec, spec)).Find("[data-testid=chart-summary]").TextContent;

        using (new CultureScope("zh-CN"))
        {
            Assert.Equal("Qwen：1.23亿（2026年1月31日）", Summary());
        }

        using (new CultureScope("en"))
        {
            Assert.Equal("Qwen: 123,456,789 (2026-01-31)", Summary());
        }
    }

    [Fact]
    public void A_family_s_catalogue_rules_read_in_the_visitor_s_language_and_in_English_as_the_API_has_them()
    {
        var L = Services.GetRequiredService<IStringLocalizer<SharedResource>>();
        FamilyRule[] rules = [new("Qwen", null, [], []), new("tencent", null, ["hunyuan"], ["^Hy\\d"]), new(null, "baidu/ERNIE-4.5", [], [])];

        using (new CultureScope("zh-CN"))
        {
            Assert.Equal(["组织 Qwen（全部）", "组织 tencent：名称包含“hunyuan” 或 名称匹配 /^Hy\\d/", "仓库 baidu/ERNIE-4.5"], rules.Select(r => RuleText.For(r, L)));
        }

        using (new CultureScope("en"))
        {
            Assert.Equal(rules.Select(r => r.Describe()), rules.Select(r => RuleText.For(r, L)));
        }
    }

    [Fact]
    public void A_sum_over_families_is_a_gap_where_any_family_is_unknown_and_counts_only_families_in_range()
    {
        var a = new Series("a", Metrics.DownloadsAllTime, null, null, [new(new DateOnly(2026, 1, 1), 10), new(new DateOnly(2026, 1, 2), null), new(new DateOnly(2026, 1, 3), 12)], null, []);
        var b = new Series("b", Metrics.DownloadsAllTime, null, null, [new(new DateOnly(2026, 1, 2), 5), new(new DateOnly(2026, 1, 3), 6)], null, []);

        var sum = ChartShaping.SumByDay([a, b]);

        Assert.Equal([10, null, 18], sum.Select(p => p.Value));
    }

    [Fact]
    public void Weekly_increments_take_each_week_s_last_value_and_leave_gaps_honest()
    {
        // Mon 2026-01-05 starts a week. Week 1: 10→20; week 2: 25; week 3: nothing; week 4: 40.
        var start = new DateOnly(2026, 1, 5);
        SeriesPoint P(int day, long? v) => new(start.AddDays(day), v);
        var points = new List<SeriesPoint> { P(0, 10), P(6, 20), P(7, 22), P(13, 25) };
        points.AddRange(Enumerable.Range(14, 7).Select(d => P(d, null)));
        points.Add(P(21, 40));

        var weekly = SeriesMath.WeeklyIncrements(points);

        Assert.Equal([start.AddDays(7), start.AddDays(14), start.AddDays(21)], weekly.Select(p => p.Day));
        Assert.Equal([5, null, null], weekly.Select(p => p.Value));
    }

    [Fact]
    public void Week_over_week_compares_with_seven_days_earlier_or_says_unknown()
    {
        var start = new DateOnly(2026, 1, 1);
        var series = new Series("q", Metrics.Stars, null, null, [.. Enumerable.Range(0, 10).Select(i => new SeriesPoint(start.AddDays(i), 100 + i))], null, []);
        Assert.Equal(7, SeriesMath.WeekOverWeek(series).Delta);

        var short_ = series with { Points = [.. series.Points.Take(3)] };
        Assert.Null(SeriesMath.WeekOverWeek(short_).Delta);
    }

    [Theory]
    [InlineData("text-generation", Modalities.Text)]
    [InlineData("image-text-to-text", Modalities.Multimodal)]
    [InlineData("feature-extraction", Modalities.Embedding)]
    [InlineData("text-to-video", Modalities.Video)]
    [InlineData("image-to-3d", Modalities.ThreeD)]
    [InlineData("automatic-speech-recognition", Modalities.Audio)]
    [InlineData("object-detection", Modalities.Vision)]
    [InlineData(null, Modalities.Other)]
    [InlineData("robotics", Modalities.Other)]
    public void Pipeline_tags_fall_into_the_modality_groups(string? tag, string group) => Assert.Equal(group, Modalities.Of(tag));

    [Fact]
    public void The_chart_CSV_quotes_names_and_defuses_formulas()
    {
        var spec = new ChartSpec("c", "T", ChartKind.Line,
            [new ChartSeries("=HYPERLINK(\"x\"),y", ["2026-01-01", "2026-01-02"], [1, null]), new ChartSeries(Hostile, ["2026-01-01"], [3])]);

        var csv = ChartCsv.Format(spec);

        Assert.Equal("series,x,y\n\"'=HYPERLINK(\"\"x\"\"),y\",2026-01-01,1\n\"'=HYPERLINK(\"\"x\"\"),y\",2026-01-02,\n<img src=x onerror=alert(1)>,2026-01-01,3\n", csv);
    }

    private static string? UsesOwnResource(string text) =>
        System.Text.RegularExpressions.Regex.Match(text, @"IStringLocalizer<(\w+Resource)>") is { Success: true } m && m.Groups[1].Value != "SharedResource"
            ? m.Groups[1].Value
            : null;

    [Fact]
    public void Every_string_a_component_asks_for_exists_in_English_and_Chinese()
    {
        var web = Path.Combine(Repository.Root, "src", "Tracker.Web");
        var en = Keys(Path.Combine(web, "Resources", "Localization.SharedResource.resx"));
        var zh = Keys(Path.Combine(web, "Resources", "Localization.SharedResource.zh-CN.resx"));
        Assert.Equal(en.Order(StringComparer.Ordinal), zh.Order(StringComparer.Ordinal));

        // Each component's keys must exist in the resources of the localizer it uses (the claims and digests pages
        // have their own); a file that names none uses the shared one.
        var files = Directory.EnumerateFiles(Path.Combine(web, "Components"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".razor", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .Select(f => (Text: File.ReadAllText(f), File: f))
            .ToList();
        var used = files.Where(f => UsesOwnResource(f.Text) is null)
            .SelectMany(f => LiteralKey().Matches(f.Text).Select(m => m.Groups[1].Value))
            .Distinct().ToList();
        Assert.NotEmpty(used);
        Assert.All(used, k => Assert.Contains(k, en));
        foreach (var (text, file) in files.Where(f => UsesOwnResource(f.Text) is not null))
        {
            var own = Keys(Path.Combine(web, "Resources", $"Localization.{UsesOwnResource(text)}.resx"));
            Assert.All(LiteralKey().Matches(text).Select(m => m.Groups[1].Value), k => Assert.True(own.Contains(k), $"{Path.GetFileName(file)}: {k}"));
        }

        // Keys built from data (metric, platform, relation, modality, status) exist for every value.
        string[] dynamic =
        [
            .. Metrics.All.SelectMany(m => new[] { $"Metric.{m}.Title", $"Metric.{m}.Unit", $"Metric.{m}.Short", $"Metric.{m}.Chart" }),
            .. Modalities.All.Select(m => "Modality." + m),
            .. new[] { "huggingface", "modelscope", "github" }.Select(p => "Platform." + p),
            .. new[] { "finetune", "quantized", "adapter", "merge", "unknown" }.Select(r => "Relation." + r),
            .. new[] { "running", "succeeded", "failed", "partial", "deferred" }.Select(s => "Status." + s),
            .. new[] { RunKinds.Models, RunKinds.Derivatives, RunKinds.Repos }.Select(k => "RunKind." + k),
        ];
        Assert.All(dynamic, k => Assert.Contains(k, en));
    }

    private static HashSet<string> Keys(string path) =>
        [.. XDocument.Load(path).Root!.Elements("data").Select(e => e.Attribute("name")!.Value)];

    [GeneratedRegex("""L\["([A-Za-z0-9.]+)"\]""")]
    private static partial Regex LiteralKey();
}
