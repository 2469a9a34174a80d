using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Catalog;
using Tracker.Core.Collecting;
using Tracker.Core.Stats;

namespace Tracker.Web.Api;

internal static class FamiliesApi
{
    public static RouteGroupBuilder MapFamiliesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/families").WithTags("Families");

        api.MapGet("/", ListFamilies).WithName("ListFamilies")
            .WithSummary("Every family with its totals, per platform, as of the newest snapshot.");
        api.MapGet("/{id}", GetFamily).WithName("GetFamily")
            .WithSummary("One family: totals, catalogue rules and its ten most downloaded models.");
        api.MapGet("/{id}/series", GetSeries).WithName("GetFamilySeries")
            .WithSummary("A family's daily series. metric = downloadsAllTime | downloads30d | likes | models | derivatives | stars | forks; "
                + "platform = huggingface | modelscope (hub metrics; none = both hubs); relation = finetune | quantized | adapter | merge (derivatives); from/to = YYYY-MM-DD.");

        return api;
    }

    private static async Task<Results<Ok<IReadOnlyList<FamilyDto>>, CsvResult, ValidationProblem>> ListFamilies(
        string? format, HttpContext http, TrackerQueries queries, CancellationToken cancellationToken)
    {
        if (!ApiFormat.TryWantsCsv(http, format, out var csv, out var formatError))
        {
            return ApiErrors.BadParameter("format", formatError!);
        }

        var families = await queries.GetFamiliesAsync(cancellationToken);
        IReadOnlyList<FamilyDto> dtos = [.. families.Select(FamilyDto.From)];
        return csv ? Csv.Of(dtos) : TypedResults.Ok(dtos);
    }

    private static async Task<Results<Ok<FamilyDetailsDto>, ProblemHttpResult>> GetFamily(string id, TrackerQueries queries, CancellationToken cancellationToken) =>
        await queries.GetFamilyAsync(id, cancellationToken) is { } family
            ? TypedResults.Ok(FamilyDetailsDto.From(family))
            : UnknownFamily(id, queries);

    private static async Task<Results<Ok<SeriesDto>, CsvResult, ProblemHttpResult, ValidationProblem>> GetSeries(
        string id, string? metric, string? platform, string? relation, string? from, string? to, string? format, HttpContext http, TrackerQueries queries,
        CancellationToken cancellationToken)
    {
        if (!ApiFormat.TryWantsCsv(http, format, out var csv, out var formatError))
        {
            return ApiErrors.BadParameter("format", formatError!);
        }

        var canonical = Metrics.Normalize(metric ?? Metrics.DownloadsAllTime);
        if (canonical is null)
        {
            return ApiErrors.BadParameter("metric", $"'{metric}' is not a metric; use one of {string.Join(", ", Metrics.All)}");
        }

        if (platform is not null && !Platform.Hubs.Contains(platform))
        {
            return ApiErrors.BadParameter("platform", $"'{platform}' is not a platform; use one of {string.Join(", ", Platform.Hubs)}");
        }

        if (platform is not null && !Metrics.Hub.Contains(canonical))
        {
            return ApiErrors.BadParameter("platform", $"metric '{canonical}' has no platform split; platform applies to {string.Join(", ", Metrics.Hub)}");
        }

        if (relation is not null && (canonical != Metrics.Derivatives || !Relations.All.Contains(relation)))
        {
            return ApiErrors.BadParameter("relation", $"relation applies to metric=derivatives and is one of {string.Join(", ", Relations.All)}");
        }

        if (!ApiParameters.TryParseRange(from, to, out var fromDay, out var toDay, out var rangeProblem))
        {
            return rangeProblem;
        }

        if (await queries.GetSeriesAsync(id, canonical, platform, fromDay, toDay, cancellationToken, relation) is not { } series)
        {
            return UnknownFamily(id, queries);
        }

        return csv ? Csv.Of(SeriesDto.From(series), "points") : TypedResults.Ok(SeriesDto.From(series));
    }

    private static ProblemHttpResult UnknownFamily(string id, TrackerQueries queries) =>
        ApiErrors.NotFound($"No family '{id}'. Known families: {string.Join(", ", queries.Catalog.Families.Select(f => f.Id))}.");
}
