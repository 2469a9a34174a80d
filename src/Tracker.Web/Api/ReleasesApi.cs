using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Stats;

namespace Tracker.Web.Api;

internal static class ReleasesApi
{
    public static RouteGroupBuilder MapReleasesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/releases").WithTags("Releases");
        api.MapGet("/", ListReleases).WithName("ListReleases")
            .WithSummary("New models on either hub and GitHub releases, newest first. family, from/to = YYYY-MM-DD, limit 1-1000 (default 200); cursor from nextCursor.");
        return api;
    }

    private static async Task<Results<Ok<ReleasesDto>, CsvResult, ValidationProblem>> ListReleases(
        string? family, string? from, string? to, int? limit, string? cursor, string? format, HttpContext http, TrackerQueries queries,
        CancellationToken cancellationToken)
    {
        if (!ApiFormat.TryWantsCsv(http, format, out var csv, out var formatError))
        {
            return ApiErrors.BadParameter("format", formatError!);
        }

        if (family is not null && queries.Catalog.Find(family) is null)
        {
            return ApiErrors.BadParameter("family", $"'{family}' is not a family; use one of {string.Join(", ", queries.Catalog.Families.Select(f => f.Id))}");
        }

        if (!ApiParameters.TryParseRange(from, to, out var fromDay, out var toDay, out var rangeProblem))
        {
            return rangeProblem;
        }

        if (limit is < 1 or > TrackerQueries.MaxPageSize)
        {
            return ApiErrors.BadParameter("limit", $"limit must be between 1 and {TrackerQueries.MaxPageSize}");
        }

        try
        {
            var page = await queries.GetReleasePageAsync(queries.Catalog.Find(family ?? "")?.Id, fromDay, toDay, limit ?? 200, cursor, cancellationToken);
            var dto = new ReleasesDto(page.Items, page.NextCursor, page.AsOf);
            return csv ? Csv.Of(dto, "items") : TypedResults.Ok(dto);
        }
        catch (FormatException e)
        {
            return ApiErrors.BadParameter("cursor", e.Message);
        }
    }
}
