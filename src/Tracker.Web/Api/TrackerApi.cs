namespace Tracker.Web.Api;

internal static class TrackerApi
{
    public static IEndpointRouteBuilder MapTrackerApi(this IEndpointRouteBuilder app)
    {
        app.MapFamiliesApi();
        app.MapModelsApi();
        app.MapReleasesApi();
        app.MapStatusApi();
        app.MapPingApi();
        app.MapBadgesApi();
        app.MapClaimsApi();
        app.MapOpenApi();
        app.MapApiReference();
        return app;
    }
}
