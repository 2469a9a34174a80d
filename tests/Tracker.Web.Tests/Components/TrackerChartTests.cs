using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Tracker.Core.Stats;
using Tracker.Web.Components.Charts;

namespace Tracker.Web.Tests.Components;

public sealed class TrackerChartTests : BunitContext
{
    private const string Hostile = "<img src=x onerror=alert(1)>";

    public TrackerChartTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose; // Plotly.Blazor imports its JS module
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
    }

    [Theory]
    [InlineData(ChartKind.Bar)]
    [InlineData(ChartKind.Line)]
    public void Third_party_text_reaches_Plotly_only_HTML_encoded(ChartKind kind)
    {
        var spec = new ChartSpec("hostile", "Title " + Hostile, kind,
        [
            new ChartSeries("Series " + Hostile, ["2025-01-01", Hostile], [1, 2], "#0072B2"),
        ], YTitle: Hostile, CategoryX: true);

        var cut = Render<TrackerChart>(p => p.Add(x => x.Spec, spec));
        var chart = cut.FindComponent<PlotlyChart>().Instance;

        var trace = Assert.Single(chart.Data);
        var (name, x, hover) = trace switch
        {
            Bar b => (b.Name, b.X, b.HoverTemplate),
            Scatter s => (s.Name, s.X, s.HoverTemplate),
            _ => throw new InvalidOperationException("unexpected trace " + trace.GetType()),
        };
        Assert.Equal(kind == ChartKind.Bar ? typeof(Bar) : typeof(Scatter), trace.GetType());
        Assert.Contains("&lt;img", name, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", name, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", hover, StringComparison.Ordinal);
        var labels = x.Select(v => (string)v).ToList();
        Assert.Equal(["2025-01-01", "&lt;img src=x onerror=alert(1)&gt;"], labels);
        Assert.DoesNotContain("<img", chart.Layout.Title.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", chart.Layout.YAxis[0].Title.Text, StringComparison.Ordinal);

        // The static markup carries the caption as text, and no element from the name.
        Assert.Empty(cut.FindAll("img"));
        Assert.Contains(Hostile, cut.Find("figcaption").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("#hostile"));
    }

    [Fact]
    public void An_inline_figure_carries_third_party_text_encoded_and_cannot_close_its_script()
    {
        var spec = new ChartSpec("inline", "Title " + Hostile + "</script><script>alert(2)</script>", ChartKind.StackedArea,
        [
            new ChartSeries("Series " + Hostile, ["2025-01-01", "2025-01-02"], [1, null], "#0072B2"),
        ]);

        var cut = Render<TrackerChart>(p => p.Add(x => x.Spec, spec).Add(x => x.Inline, true));

        // No Plotly.Blazor component (no circuit needed): the figure is in the page for first-paint.js.
        Assert.Empty(cut.FindComponents<PlotlyChart>());
        var script = Assert.Single(cut.FindAll("script"));
        Assert.Equal("application/json", script.GetAttribute("type"));
        Assert.Equal("inline", script.GetAttribute("data-figure-for"));
        Assert.DoesNotContain("<", script.InnerHtml, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("#inline[data-permanent]"));

        using var figure = System.Text.Json.JsonDocument.Parse(script.TextContent);
        var trace = figure.RootElement.GetProperty("data")[0];
        Assert.Equal("scatter", trace.GetProperty("type").GetString());
        Assert.Equal("Series &lt;img src=x onerror=alert(1)&gt;", trace.GetProperty("name").GetString());
        Assert.Equal("stack", trace.GetProperty("stackgroup").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, trace.GetProperty("y")[1].ValueKind); // a gap stays a gap
        Assert.StartsWith("Title &lt;img", figure.RootElement.GetProperty("layout").GetProperty("title").GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("img"));
    }

    [Fact]
    public void A_missing_value_is_a_gap_not_zero()
    {
        var series = new Series("qwen", Metrics.DownloadsAllTime, null, null,
        [
            new SeriesPoint(new DateOnly(2025, 1, 1), 10),
            new SeriesPoint(new DateOnly(2025, 1, 2), null),
            new SeriesPoint(new DateOnly(2025, 1, 3), 0),
        ], null, []);

        var shaped = ChartShaping.FromSeries("Qwen", series, "#0072B2");

        Assert.Equal(["2025-01-01", "2025-01-02", "2025-01-03"], shaped.X);
        Assert.Equal([10, null, 0], shaped.Y);
        Assert.Equal("Qwen", shaped.Name);
        Assert.Equal("#0072B2", shaped.Color);
    }

    [Fact]
    public void A_gap_reaches_Plotly_as_null_and_lines_do_not_bridge_it()
    {
        var spec = new ChartSpec("gaps", "Gaps", ChartKind.Line, [new ChartSeries("Qwen", ["2025-01-01", "2025-01-02", "2025-01-03"], [10, null, 12])]);

        var cut = Render<TrackerChart>(p => p.Add(x => x.Spec, spec));
        var scatter = Assert.IsType<Scatter>(Assert.Single(cut.FindComponent<PlotlyChart>().Instance.Data));

        Assert.Equal([10L, null, 12L], scatter.Y.Select(v => (long?)v).ToList());
        Assert.False(scatter.ConnectGaps);
    }
}
