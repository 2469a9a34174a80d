using Tracker.Core.Stats;

namespace Tracker.Web.Components.Charts;

/// <summary>Builds the dashboard's charts from the same queries the API serves.</summary>
public sealed class ChartBuilder(TrackerQueries queries)
{
    private static readonly Dictionary<string, (string Title, string YTitle, string Description)> SeriesText = new()
    {
        [Metrics.Models] = ("Models per family over time", "models",
            "Rebuilt from each model's creation date; repositories deleted before Tracker first listed them are missing."),
        [Metrics.DownloadsAllTime] = ("All-time downloads over time", "downloads",
            "From Tracker's daily snapshots only: the line starts at the first collection and a missed day is a gap."),
        [Metrics.Downloads30d] = ("30-day downloads over time", "downloads (30 days)",
            "Hugging Face's rolling 30-day counter, as snapshotted each day."),
        [Metrics.Likes] = ("Likes over time", "likes", "From Tracker's daily snapshots."),
    };

    public async Task<ChartSpec?> BuildAsync(ChartRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var families = await queries.GetFamiliesAsync(cancellationToken);
        var colors = families.Select((f, i) => (f.Id, Color: FamilyColors.For(i))).ToDictionary(x => x.Id, x => x.Color);
        switch (request.Kind)
        {
            case ChartRequest.FamilyComparison:
                var names = families.Select(f => f.Name).ToList();
                return new ChartSpec("comparison", "All-time and 30-day downloads by family", ChartKind.Bar,
                [
                    new ChartSeries("All-time downloads", names, [.. families.Select(f => f.Totals.DownloadsAllTime)], "#0072B2"),
                    new ChartSeries("30-day downloads", names, [.. families.Select(f => f.Totals.Downloads30d)], "#E69F00"),
                ], YTitle: "downloads", CategoryX: true, Description: "Hugging Face download counters as of each family's newest snapshot.");

            case ChartRequest.FamilySeries when Metrics.Normalize(request.Metric) is { } metric:
                var series = new List<ChartSeries>();
                foreach (var f in families.Where(f => request.Family is null || f.Id == request.Family))
                {
                    if (await queries.GetSeriesAsync(f.Id, metric, null, null, null, cancellationToken) is { Points.Count: > 0 } s)
                    {
                        series.Add(ChartShaping.FromSeries(f.Name, s, colors[f.Id]));
                    }
                }

                var (title, yTitle, description) = SeriesText[metric];
                var id = metric == Metrics.Models ? "model-counts" : $"series-{metric}";
                return new ChartSpec(request.Family is null ? id : $"{id}-{request.Family}", title, ChartKind.Line, series, yTitle, Description: description);

            default:
                return null;
        }
    }
}
