using System.Globalization;
using Microsoft.Extensions.Localization;
using Tracker.Core.Catalog;
using Tracker.Core.Collecting;
using Tracker.Core.Stats;
using Tracker.Web.Localization;

namespace Tracker.Web.Components.Charts;

/// <summary>Builds the dashboard's charts from the same queries the API serves; titles in the visitor's language.</summary>
public sealed class ChartBuilder(TrackerQueries queries, IStringLocalizer<SharedResource> L)
{
    public const string PlatformHfColor = "#0072B2";
    public const string PlatformMsColor = "#E69F00";

    private static readonly Dictionary<string, string> RelationColors = new()
    {
        [Relations.Finetune] = "#0072B2",
        [Relations.Quantized] = "#E69F00",
        [Relations.Adapter] = "#009E73",
        [Relations.Merge] = "#CC79A7",
    };

    private static readonly PlatformTotals NoTotals = new(0, null, null, null, null, null);
    private static readonly DerivativeTotals NoDerivatives = new(null, null, null, null, null, null, null);
    private static readonly GitHubTotals NoGitHub = new(0, null, null, 0, null, null);

    /// <summary>The chart for <paramref name="request"/>; a series with no known value at all is left out rather than drawn as zero.</summary>
    public async Task<ChartSpec?> BuildAsync(ChartRequest request, CancellationToken cancellationToken)
    {
        var spec = await BuildAllAsync(request, cancellationToken);
        return spec is null ? null : spec with { Series = [.. spec.Series.Where(s => s.Y.Any(v => v is not null))], CsvUrl = request.CsvUrl() };
    }

    private async Task<ChartSpec?> BuildAllAsync(ChartRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Totals are only needed by the two snapshot bar charts; every other chart needs names and colours, which the
        // catalogue has without a query (this keeps the overview's first chart off the totals' critical path).
        var families = request.Kind is ChartRequest.FamilyComparison or ChartRequest.DerivativeRelations
            ? await queries.GetFamiliesAsync(cancellationToken)
            : [.. queries.Catalog.Families.Select(f => new FamilySummary(f.Id, f.Name, f.Vendor, NoTotals, new Dictionary<string, PlatformTotals>(), NoDerivatives, NoGitHub, null, []))];
        var colors = families.Select((f, i) => (f.Id, Color: FamilyColors.For(i))).ToDictionary(x => x.Id, x => x.Color);
        if (request.Family is { } only && families.All(f => f.Id != only))
        {
            return null;
        }

        var selected = families.Where(f => request.Family is null || f.Id == request.Family).ToList();
        var suffix = request.Family is null ? "" : "-" + request.Family;
        switch (request.Kind)
        {
            case ChartRequest.FamilyComparison:
                var names = families.Select(f => f.Name).ToList();
                return new ChartSpec("comparison", L["Chart.Comparison.Title"], ChartKind.Bar,
                [
                    new ChartSeries(L["Platform.huggingface"], names, [.. families.Select(f => f.ByPlatform.GetValueOrDefault(Platform.HuggingFace)?.DownloadsAllTime)], PlatformHfColor),
                    new ChartSeries(L["Platform.modelscope"], names, [.. families.Select(f => f.ByPlatform.GetValueOrDefault(Platform.ModelScope)?.DownloadsAllTime)], PlatformMsColor),
                ], YTitle: L["Unit.Downloads"], CategoryX: true, Stacked: true, Description: L["Chart.Comparison.Description"]);

            case ChartRequest.DerivativeRelations:
                var familyNames = families.Select(f => f.Name).ToList();
                (string Relation, Func<DerivativeTotals, long?> Pick)[] relations =
                [
                    (Relations.Finetune, d => d.Finetune), (Relations.Quantized, d => d.Quantized), (Relations.Adapter, d => d.Adapter), (Relations.Merge, d => d.Merge),
                ];
                return new ChartSpec("derivatives", L["Chart.DerivativeRelations.Title"], ChartKind.Bar,
                    [.. relations.Select(r => new ChartSeries(L["Relation." + r.Relation], familyNames, [.. families.Select(f => r.Pick(f.Derivatives))], RelationColors[r.Relation]))],
                    YTitle: L["Unit.DerivativeModels"], CategoryX: true, Stacked: true, Description: L["Chart.DerivativeRelations.Description"]);

            case ChartRequest.FamilySeries when Metrics.Normalize(request.Metric) is { } metric:
                {
                    var series = new List<ChartSeries>();
                    var links = new List<ChartLink>();
                    foreach (var f in selected)
                    {
                        if (await queries.GetSeriesAsync(f.Id, metric, null, null, null, cancellationToken) is { Points.Count: > 0 } s)
                        {
                            series.Add(ChartShaping.FromSeries(f.Name, s, colors[f.Id]));
                            if (metric == Metrics.DownloadsAllTime)
                            {
                                series.AddRange(await DecreaseMarkersAsync(f, s, cancellationToken));
                            }
                        }

                        links.Add(SeriesLink(f, metric, null));
                    }

                    var id = metric == Metrics.Models ? "model-counts" : $"series-{metric}";
                    return new ChartSpec(id + suffix, L["Metric." + metric + ".Title"], ChartKind.Line, series, L["Metric." + metric + ".Unit"],
                        Description: L["Metric." + metric + ".Chart"])
                    { Links = links };
                }

            case ChartRequest.PlatformSeries when Metrics.Normalize(request.Metric) is { } metric && Metrics.Hub.Contains(metric):
                {
                    // One trace per hub, each the sum of the selected families: stacked, the top edge is the total.
                    var series = new List<ChartSeries>();
                    var links = new List<ChartLink>();
                    foreach (var (platform, color) in new[] { (Platform.HuggingFace, PlatformHfColor), (Platform.ModelScope, PlatformMsColor) })
                    {
                        var parts = new List<Series>();
                        foreach (var f in selected)
                        {
                            if (await queries.GetSeriesAsync(f.Id, metric, platform, null, null, cancellationToken) is { Points.Count: > 0 } s)
                            {
                                parts.Add(s);
                                links.Add(SeriesLink(f, metric, platform));
                            }
                        }

                        var summed = ChartShaping.SumByDay(parts);
                        series.Add(new ChartSeries(L["Platform." + platform], [.. summed.Select(p => ChartShaping.Day(p.Day))], [.. summed.Select(p => p.Value)], color));
                    }

                    return new ChartSpec($"platform-{metric}{suffix}", string.Format(CultureInfo.CurrentCulture, L["Chart.Platform.Title"], L["Metric." + metric + ".Title"]),
                        ChartKind.StackedArea, series, L["Metric." + metric + ".Unit"], Description: L["Chart.Platform.Description"])
                    { Links = links };
                }

            case ChartRequest.DerivativesOverTime:
                {
                    var series = new List<ChartSeries>();
                    var links = new List<ChartLink>();
                    foreach (var relation in Relations.All)
                    {
                        var parts = new List<Series>();
                        foreach (var f in selected)
                        {
                            if (await queries.GetSeriesAsync(f.Id, Metrics.Derivatives, null, null, null, cancellationToken, relation) is { Points.Count: > 0 } s)
                            {
                                parts.Add(s);
                            }

                            links.Add(new ChartLink($"{f.Name} · {L["Relation." + relation]}", $"/api/v1/families/{f.Id}/series?metric=derivatives&relation={relation}&format=csv"));
                        }

                        var summed = ChartShaping.SumByDay(parts);
                        series.Add(new ChartSeries(L["Relation." + relation], [.. summed.Select(p => ChartShaping.Day(p.Day))], [.. summed.Select(p => p.Value)], RelationColors[relation]));
                    }

                    return new ChartSpec("derivatives-over-time" + suffix, L["Chart.DerivativesOverTime.Title"], ChartKind.StackedArea, series, L["Unit.DerivativeModels"],
                        Description: L["Chart.DerivativesOverTime.Description"])
                    { Links = links };
                }

            case ChartRequest.NewModelsWeekly:
                {
                    var series = new List<ChartSeries>();
                    foreach (var f in selected)
                    {
                        var weeks = await queries.GetNewModelsPerWeekAsync(f.Id, cancellationToken);
                        series.Add(new ChartSeries(f.Name, [.. weeks.Select(w => ChartShaping.Day(w.Week))], [.. weeks.Select(w => (long?)w.Count)], colors[f.Id]));
                    }

                    return new ChartSpec("new-models-weekly" + suffix, L["Chart.NewModels.Title"], ChartKind.Bar, series, L["Unit.NewModels"], Stacked: true,
                        Description: L["Chart.NewModels.Description"]);
                }

            case ChartRequest.Compare:
                return await CompareAsync(request, families, colors, cancellationToken);

            case ChartRequest.ModelHistory when request.Model is { } model:
                return await ModelHistoryAsync(model, request.Metric, cancellationToken);

            case ChartRequest.Breakdown when request.Family is not null:
                {
                    var breakdowns = await queries.GetBreakdownsAsync(request.Family, cancellationToken);
                    var (items, label) = request.Metric switch
                    {
                        "license" => (breakdowns.License, (Func<string, string>)(k => k == "unknown" ? L["Common.Unknown"] : k)),
                        "size" => (breakdowns.ParameterSize, k => k == ParameterSizes.Unknown ? L["Common.Unknown"] : k),
                        _ => (breakdowns.Modality, k => L["Modality." + k]),
                    };
                    var kind = request.Metric is "license" or "size" ? request.Metric : "modality";
                    return new ChartSpec($"breakdown-{kind}{suffix}", L["Chart.Breakdown." + kind], ChartKind.Bar,
                        [new ChartSeries(L["Unit.Models"], [.. items.Select(i => label(i.Key))], [.. items.Select(i => (long?)i.Models)], colors[request.Family])],
                        L["Unit.Models"], CategoryX: true, Description: L["Chart.Breakdown.Description"]);
                }

            case ChartRequest.ReleaseTimeline:
                return await ReleaseTimelineAsync(selected, suffix, cancellationToken);

            default:
                return null;
        }
    }

    private ChartLink SeriesLink(FamilySummary f, string metric, string? platform) =>
        new(platform is null ? f.Name : $"{f.Name} · {L["Platform." + platform]}",
            $"/api/v1/families/{f.Id}/series?metric={metric}{(platform is null ? "" : "&platform=" + platform)}&format=csv");

    /// <summary>Days on which a model's all-time counter went down, drawn as markers on the line: reported as is, never smoothed.</summary>
    private async Task<IEnumerable<ChartSeries>> DecreaseMarkersAsync(FamilySummary f, Series s, CancellationToken cancellationToken)
    {
        var days = (await queries.GetDecreaseDaysAsync(f.Id, cancellationToken)).ToHashSet();
        var points = s.Points.Where(p => days.Contains(p.Day) && p.Value is not null).ToList();
        return points.Count == 0
            ? []
            : [new ChartSeries(string.Format(CultureInfo.CurrentCulture, L["Chart.DecreaseMarker"], f.Name), [.. points.Select(p => ChartShaping.Day(p.Day))], [.. points.Select(p => p.Value)], "#000000", SeriesStyle.Markers)];
    }

    private async Task<ChartSpec?> CompareAsync(ChartRequest request, IReadOnlyList<FamilySummary> families, Dictionary<string, string> colors, CancellationToken cancellationToken)
    {
        var state = CompareState.From(request, families.Select(f => f.Id).ToList());
        var series = new List<ChartSeries>();
        var links = new List<ChartLink>();
        foreach (var f in families.Where(f => state.Families.Contains(f.Id)))
        {
            if (await queries.GetSeriesAsync(f.Id, state.Metric, null, null, null, cancellationToken) is not { Points.Count: > 0 } s)
            {
                continue;
            }

            links.Add(SeriesLink(f, state.Metric, null));
            var points = state.Weekly ? SeriesMath.WeeklyIncrements(s.Points) : s.Points;
            IReadOnlyList<string> x;
            if (state.AlignRelease)
            {
                if (await queries.GetFirstReleaseAsync(f.Id, cancellationToken) is not { } first)
                {
                    continue;
                }

                x = [.. points.Select(p => (p.Day.DayNumber - first.DayNumber).ToString(CultureInfo.InvariantCulture))];
            }
            else
            {
                x = [.. points.Select(p => ChartShaping.Day(p.Day))];
            }

            // On a log scale zero and negative increments cannot be drawn: they become gaps, said in the description.
            var y = points.Select(p => state.Log && p.Value <= 0 ? null : p.Value).ToList();
            series.Add(new ChartSeries(f.Name, x, y, colors[f.Id]));
        }

        var title = string.Format(CultureInfo.CurrentCulture, L[state.Weekly ? "Compare.TitleWeekly" : "Compare.Title"], L["Metric." + state.Metric + ".Title"]);
        return new ChartSpec("compare", title, state.Weekly ? ChartKind.Bar : ChartKind.Line, series, L["Metric." + state.Metric + ".Unit"],
            Description: L[state.Log ? "Compare.DescriptionLog" : "Compare.Description"])
        {
            LogY = state.Log,
            NumericX = state.AlignRelease,
            XTitle = state.AlignRelease ? L["Compare.DaysSinceRelease"].Value : null,
            Links = links,
        };
    }

    private async Task<ChartSpec?> ModelHistoryAsync(string model, string? metric, CancellationToken cancellationToken)
    {
        if (await queries.GetModelHistoryAsync(model, cancellationToken) is not { } history)
        {
            return null;
        }

        var days = history.Snapshots.Select(s => s.Day).ToList();
        var x = ChartShaping.DailyAxis(days);
        var byDay = history.Snapshots.ToDictionary(s => s.Day);
        long? Pick(DateOnly d, Func<SnapshotRow, long?> f) => byDay.TryGetValue(d, out var s) ? f(s) : null;
        var all = x.Select(d => Pick(d, s => s.DownloadsAllTime)).ToList();
        var series = metric == Metrics.Likes
            ? [new ChartSeries(L["Metric.likes.Title"], [.. x.Select(ChartShaping.Day)], [.. x.Select(d => Pick(d, s => s.Likes))], PlatformHfColor)]
            : new List<ChartSeries>
            {
                new(L["Metric.downloadsAllTime.Unit"], [.. x.Select(ChartShaping.Day)], all, PlatformHfColor),
                new(L["Metric.downloads30d.Unit"], [.. x.Select(ChartShaping.Day)], [.. x.Select(d => Pick(d, s => s.Downloads30d))], PlatformMsColor),
            };
        var decreased = history.Snapshots.Where(s => s.AllTimeDecreased).ToList();
        if (metric != Metrics.Likes && decreased.Count > 0)
        {
            series.Add(new ChartSeries(L["Chart.DecreaseMarkerModel"], [.. decreased.Select(s => ChartShaping.Day(s.Day))], [.. decreased.Select(s => s.DownloadsAllTime)], "#000000", SeriesStyle.Markers));
        }

        var kind = metric == Metrics.Likes ? "likes" : "downloads";
        return new ChartSpec($"model-{kind}", string.Format(CultureInfo.CurrentCulture, L["Chart.Model." + kind], history.Model.RepoId), ChartKind.Line, series,
            L[metric == Metrics.Likes ? "Metric.likes.Unit" : "Unit.Downloads"], Description: L["Chart.Model.Description"]);
    }

    private async Task<ChartSpec> ReleaseTimelineAsync(List<FamilySummary> selected, string suffix, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<(string Kind, string Month), long>();
        foreach (var f in selected)
        {
            var page = await queries.GetReleasesAsync(f.Id, null, null, TrackerQueries.MaxPageSize * 10, cancellationToken);
            foreach (var item in page.Items)
            {
                var key = (item.Kind == "release" ? Platform.GitHub : item.Platform, item.At.ToString("yyyy-MM", CultureInfo.InvariantCulture));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }

        var months = counts.Keys.Select(k => k.Month).Distinct().Order(StringComparer.Ordinal).ToList();
        if (months.Count > 0)
        {
            // Every month between the first and the last, so a quiet month is a visible zero.
            var all = new List<string>();
            for (var m = DateOnly.ParseExact(months[0] + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture); string.CompareOrdinal(m.ToString("yyyy-MM", CultureInfo.InvariantCulture), months[^1]) <= 0; m = m.AddMonths(1))
            {
                all.Add(m.ToString("yyyy-MM", CultureInfo.InvariantCulture));
            }

            months = all;
        }

        var series = new[] { (Platform.HuggingFace, PlatformHfColor), (Platform.ModelScope, PlatformMsColor), (Platform.GitHub, "#009E73") }
            .Select(k => new ChartSeries(L["Timeline." + k.Item1], months, [.. months.Select(m => (long?)counts.GetValueOrDefault((k.Item1, m)))], k.Item2))
            .Where(s => s.Y.Any(v => v > 0)).ToList();
        return new ChartSpec("release-timeline" + suffix, L["Chart.Timeline.Title"], ChartKind.Bar, series, L["Unit.Releases"], CategoryX: true, Stacked: true,
            Description: L["Chart.Timeline.Description"]);
    }
}

/// <summary>The compare page's state, parsed from its URL with defaults for anything missing or unknown.</summary>
public sealed record CompareState(IReadOnlyList<string> Families, string Metric, bool Log, bool AlignRelease, bool Weekly)
{
    public static CompareState From(ChartRequest request, IReadOnlyList<string> known)
    {
        var families = (request.Families ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(f => f.ToLowerInvariant()).Where(known.Contains).Distinct().ToList();
        return new CompareState(
            families.Count == 0 ? known : families,
            Metrics.Normalize(request.Metric) ?? Metrics.DownloadsAllTime,
            string.Equals(request.Scale, "log", StringComparison.OrdinalIgnoreCase),
            string.Equals(request.Align, "release", StringComparison.OrdinalIgnoreCase),
            string.Equals(request.View, "weekly", StringComparison.OrdinalIgnoreCase));
    }
}
