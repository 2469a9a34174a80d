using System.Globalization;
using System.Net;
using Tracker.Core.Stats;

namespace Tracker.Web.Components.Charts;

/// <summary>Turns query results into chart series; kept out of the components so it is testable alone.</summary>
public static class ChartShaping
{
    public static ChartSeries FromSeries(string name, Series series, string? color) =>
        new(name, [.. series.Points.Select(p => Day(p.Day))], [.. series.Points.Select(p => p.Value)], color);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Plotly renders names, labels and hover text as a subset of HTML. Encoded, a name like
    /// <c>&lt;img src=x onerror=alert(1)&gt;</c> is drawn as those characters and never parsed as markup.
    /// </summary>
    public static string Encode(string text) => WebUtility.HtmlEncode(text);
}
