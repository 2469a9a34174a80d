using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Web.Components.Charts;

namespace Tracker.Web.Api;

/// <summary>
/// <c>/api/v1/charts/{kind}</c>: every dashboard chart's data, built by the same <see cref="ChartBuilder"/> the page draws
/// from, so a chart's CSV link returns exactly what it plots. Kept apart from the resource endpoints (families, models)
/// because its shape is the chart's, not the domain's.
/// </summary>
internal static class DashboardApi
{
    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/charts/{kind}", GetChart).WithTags("Charts").WithName("GetChart")
            .WithSummary("A dashboard chart's data. kind = " + string.Join(" | ", ChartRequest.Kinds)
                + "; metric, family, families (comma-separated), scale = linear | log, align = calendar | release, view = cumulative | weekly, model = owner/name; "
                + "format = json (default) | csv (long format: series,x,y; empty y = no data that day).");
        return app;
    }

    private static async Task<Results<Ok<ChartSpec>, ContentHttpResult, ProblemHttpResult, ValidationProblem>> GetChart(
        string kind, string? metric, string? family, string? families, string? scale, string? align, string? view, string? model, string? format,
        ChartBuilder builder, CancellationToken cancellationToken)
    {
        if (!ChartRequest.Kinds.Contains(kind))
        {
            return ApiErrors.BadParameter("kind", $"'{kind}' is not a chart; use one of {string.Join(", ", ChartRequest.Kinds)}");
        }

        if (format is not (null or "json" or "csv"))
        {
            return ApiErrors.BadParameter("format", "format is json or csv");
        }

        var spec = await builder.BuildAsync(new ChartRequest(kind, metric, family, families, scale, align, view, model), cancellationToken);
        if (spec is null)
        {
            return ApiErrors.NotFound("No such chart: check family, model and metric.");
        }

        return format == "csv" ? TypedResults.Text(ChartCsv.Format(spec), "text/csv; charset=utf-8") : TypedResults.Ok(spec);
    }
}
