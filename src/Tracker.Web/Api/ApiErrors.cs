using Microsoft.AspNetCore.Http.HttpResults;

namespace Tracker.Web.Api;

/// <summary>problem+json answers that say which parameter is wrong and why.</summary>
internal static class ApiErrors
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: detail);

    public static ValidationProblem BadParameter(string parameter, string reason) =>
        TypedResults.ValidationProblem(
            new Dictionary<string, string[]> { [parameter] = [reason] },
            detail: $"Parameter '{parameter}': {reason}",
            title: "Invalid parameter");
}
