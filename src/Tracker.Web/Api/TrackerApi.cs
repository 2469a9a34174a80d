namespace Tracker.Web.Api;

internal static class TrackerApi
{
    public static IEndpointRouteBuilder MapTrackerApi(this IEndpointRouteBuilder app)
    {
        app.MapFamiliesApi();
        app.MapModelsApi();
        app.MapReleasesApi();
        app.MapStatusApi();
        app.MapClaimsApi();
        app.MapOpenApi();
        return app;
    }
}
