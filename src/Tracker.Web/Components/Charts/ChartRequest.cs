namespace Tracker.Web.Components.Charts;

/// <summary>
/// Which chart to draw, small enough to cross from a static page into an interactive component (series themselves never
/// travel as parameters: they would exceed the circuit's message size). <see cref="ChartBuilder"/> turns it into a
/// <see cref="ChartSpec"/> through the shared queries.
/// </summary>
public sealed record ChartRequest(string Kind, string? Metric = null, string? Family = null)
{
    public const string FamilyComparison = "family-comparison";
    public const string FamilySeries = "family-series";
    public const string DerivativeRelations = "derivative-relations";

    /// <summary>All-time and 30-day downloads of every family, side by side.</summary>
    public static ChartRequest Comparison() => new(FamilyComparison);

    /// <summary>Each family's derivatives, stacked by relation.</summary>
    public static ChartRequest Derivatives() => new(DerivativeRelations);

    /// <summary>One metric over time, a line per family (or only <paramref name="family"/>).</summary>
    public static ChartRequest Series(string metric, string? family = null) => new(FamilySeries, metric, family);
}
