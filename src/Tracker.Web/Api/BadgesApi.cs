using System.Globalization;
using System.Security;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Stats;

namespace Tracker.Web.Api;

/// <summary>Shields-style SVG badges for READMEs and newsletters: <c>/badges/{family}/{metric}.svg?lang=en|zh-CN</c>.</summary>
internal static class BadgesApi
{
    public static readonly IReadOnlyList<string> Metrics =
        [Core.Stats.Metrics.Models, Core.Stats.Metrics.DownloadsAllTime, Core.Stats.Metrics.Downloads30d, Core.Stats.Metrics.Likes, Core.Stats.Metrics.Derivatives, Core.Stats.Metrics.Stars];

    public static RouteHandlerBuilder MapBadgesApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/badges/{family}/{metric}.svg", GetBadge).WithTags("Badges").WithName("GetBadge")
            .WithSummary("A two-part SVG badge (label, value) with a family's current number. metric = models | downloadsAllTime | downloads30d | likes | derivatives | stars; lang = en (1.2M) | zh-CN (6.1亿). An unknown number reads 'unknown'.")
            .Produces(StatusCodes.Status200OK, contentType: "image/svg+xml");

    private static async Task<Results<ContentHttpResult, ProblemHttpResult, ValidationProblem>> GetBadge(
        string family, string metric, string? lang, TrackerQueries queries, CancellationToken cancellationToken)
    {
        var canonical = Metrics.FirstOrDefault(m => string.Equals(m, metric, StringComparison.OrdinalIgnoreCase));
        if (canonical is null)
        {
            return ApiErrors.BadParameter("metric", $"'{metric}' has no badge; use one of {string.Join(", ", Metrics)}");
        }

        var chinese = lang is not null && lang.StartsWith("zh", StringComparison.OrdinalIgnoreCase);
        if (lang is not null && !chinese && !lang.StartsWith("en", StringComparison.OrdinalIgnoreCase))
        {
            return ApiErrors.BadParameter("lang", $"'{lang}' is not a badge language; use en or zh-CN");
        }

        var summary = (await queries.GetFamiliesAsync(cancellationToken)).FirstOrDefault(f => string.Equals(f.Id, family, StringComparison.OrdinalIgnoreCase));
        if (summary is null)
        {
            return ApiErrors.NotFound($"No family '{family}'. Known families: {string.Join(", ", queries.Catalog.Families.Select(f => f.Id))}.");
        }

        var value = Value(summary, canonical);
        var text = value is { } v ? (chinese ? Chinese(v) : English(v)) : (chinese ? "未知" : "unknown");
        var label = summary.Name + " " + Label(canonical, chinese);
        return TypedResults.Content(Svg(label, text, value is null ? "#9f9f9f" : "#007ec6"), "image/svg+xml; charset=utf-8");
    }

    /// <summary>The family's current number; null when Tracker does not know it (never shown as 0).</summary>
    internal static long? Value(FamilySummary f, string metric) => metric switch
    {
        Core.Stats.Metrics.Models => f.Totals.AsOf is null && f.Totals.Models == 0 ? null : f.Totals.Models,
        Core.Stats.Metrics.DownloadsAllTime => f.Totals.DownloadsAllTime,
        Core.Stats.Metrics.Downloads30d => f.Totals.Downloads30d,
        Core.Stats.Metrics.Likes => f.Totals.Likes,
        Core.Stats.Metrics.Derivatives => f.Derivatives.Total,
        Core.Stats.Metrics.Stars => f.GitHub.Stars,
        _ => null,
    };

    private static string Label(string metric, bool chinese) => (metric, chinese) switch
    {
        (Core.Stats.Metrics.Models, false) => "models",
        (Core.Stats.Metrics.Models, true) => "模型",
        (Core.Stats.Metrics.DownloadsAllTime, false) => "downloads",
        (Core.Stats.Metrics.DownloadsAllTime, true) => "总下载",
        (Core.Stats.Metrics.Downloads30d, false) => "downloads/30d",
        (Core.Stats.Metrics.Downloads30d, true) => "30天下载",
        (Core.Stats.Metrics.Likes, false) => "likes",
        (Core.Stats.Metrics.Likes, true) => "点赞",
        (Core.Stats.Metrics.Derivatives, false) => "derivatives",
        (Core.Stats.Metrics.Derivatives, true) => "衍生模型",
        (_, false) => "stars",
        _ => "星标",
    };

    /// <summary>1.2k, 12M, 3.4B: one decimal below ten units, none above.</summary>
    internal static string English(long value) => Scaled(value, [(1_000_000_000_000, "T"), (1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")]);

    /// <summary>万 (10⁴) and 亿 (10⁸), as Chinese sites write counts: 6.1亿, 35万.</summary>
    internal static string Chinese(long value) => Scaled(value, [(1_000_000_000_000, "万亿"), (100_000_000, "亿"), (10_000, "万")]);

    private static string Scaled(long value, (long Unit, string Suffix)[] units)
    {
        foreach (var (unit, suffix) in units)
        {
            if (Math.Abs(value) >= unit)
            {
                var scaled = (double)value / unit;
                var rounded = Math.Round(scaled, Math.Abs(scaled) < 10 ? 1 : 0, MidpointRounding.AwayFromZero);
                return rounded.ToString(Math.Abs(scaled) < 10 ? "0.#" : "0", CultureInfo.InvariantCulture) + suffix;
            }
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Shields' flat style. Widths are estimated (no font metrics on the server): ~7 px a Latin character, 12 a CJK one.</summary>
    private static string Svg(string label, string value, string color)
    {
        var lw = Width(label);
        var vw = Width(value);
        var total = lw + vw;
        static string Esc(string s) => SecurityElement.Escape(s);
        var c = CultureInfo.InvariantCulture;
        var svg = new StringBuilder();
        svg.Append(c, $"""<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" aria-label="{Esc(label)}: {Esc(value)}">""");
        svg.Append(c, $"""<title>{Esc(label)}: {Esc(value)}</title>""");
        svg.Append(c, $"""<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient>""");
        svg.Append(c, $"""<clipPath id="r"><rect width="{total}" height="20" rx="3" fill="#fff"/></clipPath>""");
        svg.Append(c, $"""<g clip-path="url(#r)"><rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{vw}" height="20" fill="{color}"/><rect width="{total}" height="20" fill="url(#s)"/></g>""");
        svg.Append(c, $"""<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">""");
        svg.Append(c, $"""<text x="{lw / 2.0}" y="14">{Esc(label)}</text><text x="{lw + (vw / 2.0)}" y="14">{Esc(value)}</text></g></svg>""");
        return svg.ToString();
    }

    private static int Width(string text) => 10 + text.Sum(ch => ch > 0x2E80 ? 12 : 7);
}
