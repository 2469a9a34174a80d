namespace Tracker.Web.Components.Charts;

public enum ChartKind
{
    Line,
    Bar,
}

/// <summary>
/// One series as Tracker shapes it: x labels (ISO days or category names) and y values, where null is a gap.
/// Third-party text may be anywhere in here; <see cref="TrackerChart"/> encodes it.
/// </summary>
public sealed record ChartSeries(string Name, IReadOnlyList<string> X, IReadOnlyList<long?> Y, string? Color = null);

/// <summary>What a chart shows. Serializable: it crosses from the static page into the interactive chart component.</summary>
public sealed record ChartSpec(
    string Id, string Title, ChartKind Kind, IReadOnlyList<ChartSeries> Series, string? YTitle = null, bool CategoryX = false, string? Description = null,
    bool Stacked = false);
