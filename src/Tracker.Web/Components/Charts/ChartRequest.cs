using System.Text;

namespace Tracker.Web.Components.Charts;

/// <summary>
/// Which chart to draw, small enough to cross from a static page into an interactive component (series themselves never
/// travel as parameters: they would exceed the circuit's message size). <see cref="ChartBuilder"/> turns it into a
/// <see cref="ChartSpec"/> through the shared queries. It is also the query string of <c>/api/v1/charts/{kind}</c>, so
/// every chart's CSV link returns exactly what the chart plots.
/// </summary>
public sealed record ChartRequest(
    string Kind, string? Metric = null, string? Family = null, string? Families = null, string? Scale = null, string? Align = null,
    string? View = null, string? Model = null)
{
    public const string FamilyComparison = "family-comparison";
    public const string FamilySeries = "family-series";
    public const string DerivativeRelations = "derivative-relations";
    public const string PlatformSeries = "platform-series";
    public const string DerivativesOverTime = "derivatives-over-time";
    public const string NewModelsWeekly = "new-models-weekly";
    public const string Compare = "compare";
    public const string ModelHistory = "model-history";
    public const string Breakdown = "breakdown";
    public const string ReleaseTimeline = "release-timeline";

    public static readonly IReadOnlyList<string> Kinds =
        [FamilyComparison, FamilySeries, DerivativeRelations, PlatformSeries, DerivativesOverTime, NewModelsWeekly, Compare, ModelHistory, Breakdown, ReleaseTimeline];

    /// <summary>All-time and 30-day downloads of every family, side by side.</summary>
    public static ChartRequest Comparison() => new(FamilyComparison);

    /// <summary>Each family's derivatives, stacked by relation.</summary>
    public static ChartRequest Derivatives() => new(DerivativeRelations);

    /// <summary>One metric over time, a line per family (or only <paramref name="family"/>).</summary>
    public static ChartRequest Series(string metric, string? family = null) => new(FamilySeries, metric, family);

    /// <summary>The query string for the chart API (without the kind, which is in the path).</summary>
    public string ToQuery()
    {
        var query = new StringBuilder();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }

        Add("metric", Metric);
        Add("family", Family);
        Add("families", Families);
        Add("scale", Scale);
        Add("align", Align);
        Add("view", View);
        Add("model", Model);
        return query.ToString();
    }

    /// <summary>The chart API address returning this chart's data as CSV.</summary>
    public string CsvUrl()
    {
        var q = ToQuery();
        return $"/api/v1/charts/{Kind}{q}{(q.Length == 0 ? '?' : '&')}format=csv";
    }
}
