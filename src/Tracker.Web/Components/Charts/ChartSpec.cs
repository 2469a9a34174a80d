namespace Tracker.Web.Components.Charts;

public enum ChartKind
{
    Line,
    Bar,

    /// <summary>Lines stacked on each other (filled to the one below): parts of a whole over time.</summary>
    StackedArea,
}

/// <summary>How one series is drawn within its chart.</summary>
public enum SeriesStyle
{
    Default,

    /// <summary>Markers only, no line: events such as a counter that went down, drawn over the data.</summary>
    Markers,
}

/// <summary>
/// One series as Tracker shapes it: x labels (ISO days, day offsets or category names) and y values, where null is a gap.
/// Third-party text may be anywhere in here; <see cref="TrackerChart"/> encodes it.
/// </summary>
public sealed record ChartSeries(string Name, IReadOnlyList<string> X, IReadOnlyList<long?> Y, string? Color = null, SeriesStyle Style = SeriesStyle.Default);

/// <summary>A link shown under a chart: its data in the API (CSV and JSON).</summary>
public sealed record ChartLink(string Label, string Url);

/// <summary>What a chart shows. Serializable: it crosses from the static page into the interactive chart component.</summary>
public sealed record ChartSpec(
    string Id, string Title, ChartKind Kind, IReadOnlyList<ChartSeries> Series, string? YTitle = null, bool CategoryX = false, string? Description = null,
    bool Stacked = false, IReadOnlyList<ChartMarker>? Markers = null)
{
    /// <summary>Logarithmic y axis (compare page's scale=log).</summary>
    public bool LogY { get; init; }

    /// <summary>X values are numbers (days since a family's first release), not dates.</summary>
    public bool NumericX { get; init; }

    public string? XTitle { get; init; }

    /// <summary>Where this exact chart's data is served as CSV.</summary>
    public string? CsvUrl { get; init; }

    /// <summary>The same numbers in the API's own series endpoints, one per family.</summary>
    public IReadOnlyList<ChartLink> Links { get; init; } = [];
}

/// <summary>
/// A point drawn over the series (a claim at its date, a published figure): markers of one <see cref="Group"/> share a
/// legend entry and colour; <see cref="Label"/> is shown on hover and, like every text here, encoded by <see cref="TrackerChart"/>.
/// </summary>
public sealed record ChartMarker(string Group, string X, double Y, string Label, string Color, bool Open = false);
