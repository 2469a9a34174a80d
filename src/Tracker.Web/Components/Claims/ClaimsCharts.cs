using Tracker.Core.Claims;
using Tracker.Core.Stats;
using Tracker.Web.Components.Charts;

namespace Tracker.Web.Components.Claims;

/// <summary>Shapes a claim's measured series and markers (from <see cref="ClaimsQueries"/>) into Tracker's chart spec.</summary>
public static class ClaimsCharts
{
    public const string ClaimColor = "#D55E00";
    public const string PublishedColor = "#555555";
    private static readonly string[] Colors = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"];

    public static string ChartId(string claimId) => $"claim-{claimId}-chart";

    // name words a series' label in the page's language; without it the series keep their English names.
    public static ChartSpec ToSpec(string claimId, ClaimChartData data, string title, string claimLabel, string publishedLabel, Func<ClaimNote, string>? name = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var series = data.Series.Select((s, i) => new ChartSeries(name?.Invoke(s.Label) ?? s.Name, s.X, s.Y, Colors[i % Colors.Length])).ToList();
        var markers = data.Markers.Select(m => m.Kind == ClaimsQueries.ClaimMarker
            ? new ChartMarker(claimLabel, m.X, m.Y, m.Label, ClaimColor)
            : new ChartMarker(publishedLabel, m.X, m.Y, m.Url is null ? m.Label : $"{m.Label} — {m.Url.Host}", PublishedColor, Open: true)).ToList();
        return new ChartSpec(ChartId(claimId), title, data.Bars ? ChartKind.Bar : ChartKind.Line, series, CategoryX: data.Bars, Markers: markers);
    }
}
