using Tracker.Core.Catalog;
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

    /// <summary>The chart for <paramref name="request"/>; a series with no known value at all is left out rather than drawn as zero.</summary>
    public async Task<ChartSpec?> BuildAsync(ChartRequest request, CancellationToken cancellationToken)
    {
        var spec = await BuildAllAsync(request, cancellationToken);
        return spec is null ? null : spec with { Series = [.. spec.Series.Where(s => s.Y.Any(v => v is not null))] };
    }

    private async Task<ChartSpec?> BuildAllAsync(ChartRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var families = await queries.GetFamiliesAsync(cancellationToken);
        var colors = families.Select((f, i) => (f.Id, Color: FamilyColors.For(i))).ToDictionary(x => x.Id, x => x.Color);
        switch (request.Kind)
        {
            case ChartRequest.FamilyComparison:
                var names = families.Select(f => f.Name).ToList();
                return new ChartSpec("comparison", "All-time downloads by family and platform", ChartKind.Bar,
                [
                    new ChartSeries("Hugging Face", names, [.. families.Select(f => f.ByPlatform.GetValueOrDefault(Platform.HuggingFace)?.DownloadsAllTime)], "#0072B2"),
                    new ChartSeries("ModelScope", names, [.. families.Select(f => f.ByPlatform.GetValueOrDefault(Platform.ModelScope)?.DownloadsAllTime)], "#E69F00"),
                ], YTitle: "downloads", CategoryX: true, Stacked: true,
                   Description: "All-time download counters as of each family's newest snapshot, stacked by hub. ModelScope has no 30-day counter.");

            case ChartRequest.DerivativeRelations:
                var familyNames = families.Select(f => f.Name).ToList();
                (string Name, Func<DerivativeTotals, long?> Pick, string Color)[] relations =
                [
                    ("Fine-tunes", d => d.Finetune, "#0072B2"), ("Quantized", d => d.Quantized, "#E69F00"),
                    ("Adapters", d => d.Adapter, "#009E73"), ("Merges", d => d.Merge, "#CC79A7"),
                ];
                return new ChartSpec("derivatives", "Derivatives by relation", ChartKind.Bar,
                    [.. relations.Select(r => new ChartSeries(r.Name, familyNames, [.. families.Select(f => r.Pick(f.Derivatives))], r.Color))],
                    YTitle: "derivative models", CategoryX: true, Stacked: true,
                    Description: "Hugging Face's count of models derived from each family's models, by the relation the Hub infers.");

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
