using Microsoft.Extensions.DependencyInjection;
using Bunit;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Tracker.Core.Claims;
using Tracker.Core.Stats;
using Tracker.Web.Components.Charts;
using Tracker.Web.Components.Claims;

namespace Tracker.Web.Tests.Claims;

public sealed class ClaimMarkerChartTests : BunitContext
{
    private const string Hostile = "<img src=x onerror=alert(1)>";

    public ClaimMarkerChartTests()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        // TrackerChart's own labels (CSV link, PNG hint) come from the shared resources.
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
    }

    [Fact]
    public void Claim_and_published_markers_are_their_own_traces_with_encoded_text()
    {
        var data = new ClaimChartData(false,
            [new ClaimChartSeries(new ClaimNote("series-family", [new NoteText("Qwen: models")]), ["2025-09-29", "2025-09-30"], [10, 12])],
            [
                new ClaimChartMarker(ClaimsQueries.ClaimMarker, "2025-09-30", 300, "qwen-open-models: " + Hostile, null),
                new ClaimChartMarker(ClaimsQueries.PublishedMarker, "2026-01-31", 400, "Xinhua " + Hostile, new Uri("https://example.org/a")),
            ]);
        var spec = ClaimsCharts.ToSpec("qwen-open-models", data, "Measured: qwen-open-models", "Article's claim", "Published figure");

        var cut = Render<TrackerChart>(p => p.Add(x => x.Spec, spec));
        var traces = cut.FindComponent<PlotlyChart>().Instance.Data.Cast<Scatter>().ToList();

        Assert.Equal(["Qwen: models", "Article&#39;s claim", "Published figure"], traces.Select(t => t.Name)); // encoded for Plotly, which shows it as text
        var claim = traces[1];
        Assert.Equal(["2025-09-30"], claim.X.Cast<string>());
        Assert.Equal([300.0], claim.Y.Cast<double>());
        Assert.All(traces.Skip(1), t => Assert.All(t.TextArray, text => Assert.DoesNotContain("<img", text, StringComparison.Ordinal)));
        Assert.Contains("&lt;img", claim.TextArray[0], StringComparison.Ordinal);
        Assert.Contains("example.org", traces[2].TextArray[0], StringComparison.Ordinal);
        Assert.Equal("claim-qwen-open-models-chart", spec.Id);
        Assert.Empty(cut.FindAll("img"));
    }
}
