using Microsoft.AspNetCore.Http.HttpResults;

namespace Tracker.Web.Api;

public sealed record PingDto(string Status);

/// <summary>
/// A constant answer through the same pipeline as the rest of /api/v1 (rate limit, CORS, ETag) but no database and no
/// output cache: a liveness probe, and the baseline the API benchmark measures the real endpoints against.
/// </summary>
internal static class PingApi
{
    private static readonly PingDto Pong = new("ok");

    public static RouteHandlerBuilder MapPingApi(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/v1/ping", Ping).WithTags("Status").WithName("Ping")
            .WithSummary("A constant small JSON answer: the API is up. Touches no data.")
            .WithMetadata(LiveDataMetadata.Instance);

    private static Ok<PingDto> Ping() => TypedResults.Ok(Pong);
}
