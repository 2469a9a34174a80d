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
    bool Stacked = false, IReadOnlyList<ChartMarker>? Markers = null);

/// <summary>
/// A point drawn over the series (a claim at its date, a published figure): markers of one <see cref="Group"/> share a
/// legend entry and colour; <see cref="Label"/> is shown on hover and, like every text here, encoded by <see cref="TrackerChart"/>.
/// </summary>
public sealed record ChartMarker(string Group, string X, double Y, string Label, string Color, bool Open = false);
