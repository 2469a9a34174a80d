using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Stats;

namespace Tracker.Web.Api;

internal static class ModelsApi
{
    public static RouteGroupBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/models").WithTags("Models");

        api.MapGet("/", ListModels).WithName("ListModels")
            .WithSummary("A page of tracked models with their latest snapshot. sort = downloadsAllTime | downloads30d | likes | createdAt; limit 1-1000; cursor from nextCursor.");
        api.MapGet("/{owner}/{name}/history", GetHistory).WithName("GetModelHistory")
            .WithSummary("A model's daily snapshots, oldest first.");

        return api;
    }

    private static async Task<Results<Ok<ModelPageDto>, CsvResult, ProblemHttpResult, ValidationProblem>> ListModels(
        string? family, string? sort, int? limit, string? cursor, string? format, HttpContext http, TrackerQueries queries, CancellationToken cancellationToken)
    {
        if (!ApiFormat.TryWantsCsv(http, format, out var csv, out var formatError))
        {
            return ApiErrors.BadParameter("format", formatError!);
        }

        if (family is not null && queries.Catalog.Find(family) is null)
        {
            return ApiErrors.BadParameter("family", $"'{family}' is not a family; use one of {string.Join(", ", queries.Catalog.Families.Select(f => f.Id))}");
        }

        var sortKey = ModelSorts.All.FirstOrDefault(s => string.Equals(s, sort ?? ModelSorts.DownloadsAllTime, StringComparison.OrdinalIgnoreCase));
        if (sortKey is null)
        {
            return ApiErrors.BadParameter("sort", $"'{sort}' is not a sort; use one of {string.Join(", ", ModelSorts.All)}");
        }

        if (limit is < 1 or > TrackerQueries.MaxPageSize)
        {
            return ApiErrors.BadParameter("limit", $"limit must be between 1 and {TrackerQueries.MaxPageSize}");
        }

        try
        {
            var page = await queries.GetModelsAsync(queries.Catalog.Find(family ?? "")?.Id, sortKey, limit ?? 100, cursor, cancellationToken);
            var dto = new ModelPageDto([.. page.Items.Select(ModelDto.From)], page.NextCursor, page.AsOf);
            return csv ? Csv.Of(dto, "items") : TypedResults.Ok(dto);
        }
        catch (FormatException e)
        {
            return ApiErrors.BadParameter("cursor", e.Message);
        }
    }

    private static async Task<Results<Ok<ModelHistoryDto>, CsvResult, ProblemHttpResult, ValidationProblem>> GetHistory(
        string owner, string name, string? format, HttpContext http, TrackerQueries queries, CancellationToken cancellationToken)
    {
        if (!ApiFormat.TryWantsCsv(http, format, out var csv, out var formatError))
        {
            return ApiErrors.BadParameter("format", formatError!);
        }

        if (await queries.GetModelHistoryAsync($"{owner}/{name}", cancellationToken) is not { } history)
        {
            return ApiErrors.NotFound($"No tracked model '{owner}/{name}'.");
        }

        var dto = new ModelHistoryDto(ModelDto.From(history.Model), history.Snapshots, history.AsOf);
        return csv ? Csv.Of(dto, "snapshots") : TypedResults.Ok(dto);
    }
}
