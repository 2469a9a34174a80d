using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Claims;
using Tracker.Core.Stats;
using Tracker.Web.Hosting;

namespace Tracker.Web.Api;

public sealed record ClaimDto(
    string Id, IReadOnlyList<string> Families, string Metric, string Comparator, double? Value, IReadOnlyList<string> Values, string? Unit,
    DateOnly? AsOf, string AsOfText, bool Checkable, string Scope, string QuoteZh, string QuoteEn, string Source, string? NotMeasurableReason);

public sealed record MeasurementDto(
    double? Value, string ValueText, DateOnly? ValueAsOf, bool AtClaimDate, DateOnly? MeasuredOn, DateTime? MeasuredAt,
    IReadOnlyList<string> Platforms, string Gap, IReadOnlyDictionary<string, double?> Breakdown);

public sealed record PublishedDto(string Id, string Family, string AsOfText, DateOnly Date, bool Approximate, string Metric, double? Value, string? ValueText,
    string Scope, Uri Url, string SourceKind, string Reliability)
{
    public static PublishedDto From(PublishedFigure p) =>
        new(p.Id, p.Family, p.AsOfText, p.Date, p.Approximate, p.Metric, p.Value, p.ValueText, p.Scope, p.Url, p.SourceKind, p.Reliability);
}

public sealed record ClaimResultDto(ClaimDto Claim, string Verdict, MeasurementDto Measurement, IReadOnlyList<VerdictChangeView> History, IReadOnlyList<PublishedDto> Published)
{
    public static ClaimResultDto From(ClaimView view)
    {
        var c = view.Claim;
        var m = view.Measurement;
        return new ClaimResultDto(
            new ClaimDto(c.Id, c.Families, c.Metric, c.Comparator, c.Value, c.Values, c.Unit, c.AsOf, c.AsOfText, c.Checkable, c.Scope, c.QuoteZh, c.QuoteEn, c.Source, c.Reason),
            m.Verdict,
            new MeasurementDto(m.Value, m.ValueText, m.ValueAsOf, m.AtClaimDate, m.MeasuredOn, m.MeasuredAt, m.Platforms, m.Gap, m.Breakdown),
            view.History,
            [.. view.Published.Select(PublishedDto.From)]);
    }
}

public sealed record ClaimsListDto(IReadOnlyList<ClaimResultDto> Claims, IReadOnlyList<PublishedDto> OtherPublished, IReadOnlyList<RankingRow> LatestRanking);

public sealed record RankingImportDto(DateOnly Day, int Rows);

internal static class ClaimsApi
{
    public static IEndpointRouteBuilder MapClaimsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/claims").WithTags("Claims");
        api.MapGet("/", ListClaims).WithName("ListClaims")
            .WithSummary("Every figure of the article with its latest measurement, verdict, verdict history and published reference figures.");
        api.MapGet("/{id}", GetClaim).WithName("GetClaim")
            .WithSummary("One claim: the claim, its measurement, verdict and verdict history.");

        app.MapPost("/api/v1/admin/rankings", ImportRanking).WithTags("Claims").WithName("ImportRanking")
            .WithSummary("Import an archived, dated ranking as CSV (header: rank,model[,score]); date = YYYY-MM-DD. Re-measures the claims.")
            .Accepts<string>("text/csv")
            .RequireAuthorization(AdminAuthentication.Policy)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<Ok<ClaimsListDto>> ListClaims(ClaimsQueries queries, CancellationToken cancellationToken)
    {
        var overview = await queries.GetOverviewAsync(null, cancellationToken);
        return TypedResults.Ok(new ClaimsListDto(
            [.. overview.Claims.Select(ClaimResultDto.From)], [.. overview.OtherPublished.Select(PublishedDto.From)], overview.LatestRanking));
    }

    private static async Task<Results<Ok<ClaimResultDto>, ProblemHttpResult>> GetClaim(string id, ClaimsQueries queries, CancellationToken cancellationToken) =>
        await queries.GetClaimAsync(id, cancellationToken) is { } view
            ? TypedResults.Ok(ClaimResultDto.From(view))
            : ApiErrors.NotFound($"No claim '{id}'. Known claims: {string.Join(", ", queries.Ledger.Claims.Select(c => c.Id))}.");

    private static async Task<Results<Ok<RankingImportDto>, ValidationProblem>> ImportRanking(
        string? date, string? note, HttpRequest request, RankingImporter importer, ClaimsMeasurer measurer, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryParseDay(date, out var day, out var error) || day is null)
        {
            return ApiErrors.BadParameter("date", error ?? "required: the day the ranking describes (YYYY-MM-DD)");
        }

        // Read whole (the parser is synchronous and Kestrel refuses synchronous body reads); a ranking is a few KB.
        using var body = new StreamReader(request.Body);
        var text = await body.ReadToEndAsync(cancellationToken);
        if (text.Length > 1_000_000)
        {
            return ApiErrors.BadParameter("body", "a ranking CSV is at most 1 MB");
        }

        int rows;
        try
        {
            rows = await importer.ImportAsync(new StringReader(text), day.Value, note ?? "admin API", cancellationToken);
        }
        catch (FormatException e)
        {
            return ApiErrors.BadParameter("body", e.Message);
        }

        await measurer.MeasureAllAsync(cancellationToken);
        return TypedResults.Ok(new RankingImportDto(day.Value, rows));
    }
}
