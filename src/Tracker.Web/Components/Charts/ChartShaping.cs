using System.Globalization;
using System.Net;
using Tracker.Core.Stats;
using Tracker.Web.Components.Common;

namespace Tracker.Web.Components.Charts;

/// <summary>Turns query results into chart series; kept out of the components so it is testable alone.</summary>
public static class ChartShaping
{
    public static ChartSeries FromSeries(string name, Series series, string? color) =>
        new(name, [.. series.Points.Select(p => Day(p.Day))], [.. series.Points.Select(p => p.Value)], color);

    /// <summary>
    /// Adds series day by day (families into a platform total). A day on which any part is inside its own range but
    /// unknown is a gap in the sum: a partial sum would draw a dip that never happened.
    /// </summary>
    public static IReadOnlyList<SeriesPoint> SumByDay(IReadOnlyList<Series> parts)
    {
        var days = parts.SelectMany(p => p.Points).Select(p => p.Day).Distinct().Order().ToList();
        var lookups = parts.Select(p => p.Points.ToDictionary(x => x.Day, x => x.Value)).ToList();
        var result = new List<SeriesPoint>(days.Count);
        foreach (var day in days)
        {
            long? sum = 0;
            foreach (var lookup in lookups)
            {
                if (lookup.TryGetValue(day, out var v))
                {
                    sum = v is { } x && sum is { } s ? s + x : null;
                }
            }

            result.Add(new SeriesPoint(day, sum));
        }

        return result;
    }

    /// <summary>Every day from the first to the last of <paramref name="days"/>, so a day without a snapshot is a gap on the chart.</summary>
    public static IReadOnlyList<DateOnly> DailyAxis(IReadOnlyList<DateOnly> days)
    {
        if (days.Count == 0)
        {
            return [];
        }

        var result = new List<DateOnly>();
        for (var d = days.Min(); d <= days.Max(); d = d.AddDays(1))
        {
            result.Add(d);
        }

        return result;
    }

    /// <summary>
    /// The chart's text alternative: per series its newest known value. <paramref name="format"/> takes the series name,
    /// the x label and the value; the name stays raw here because Razor encodes it as text.
    /// </summary>
    public static string Summary(ChartSpec spec, string format, string empty)
    {
        var parts = spec.Series.Where(s => s.Style == SeriesStyle.Default).Select(s =>
        {
            var last = Enumerable.Range(0, s.Y.Count).LastOrDefault(i => s.Y[i] is not null, -1);
            if (last < 0)
            {
                return null;
            }

            // Days read as the page writes them; other x values (days since release) as they are.
            var x = DateOnly.TryParseExact(s.X[last], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? Format.Date(day) : s.X[last];
            return string.Format(CultureInfo.CurrentCulture, format, s.Name, x, Format.Number(s.Y[last]));
        }).OfType<string>().ToList();
        return parts.Count == 0 ? empty : string.Join("; ", parts);
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>
    /// Plotly renders names, labels and hover text as a subset of HTML. Encoded, a name like
    /// <c>&lt;img src=x onerror=alert(1)&gt;</c> is drawn as those characters and never parsed as markup.
    /// </summary>
    public static string Encode(string text) => WebUtility.HtmlEncode(text);
}
