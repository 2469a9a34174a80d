using System.Text.Encodings.Web;
using System.Text.Json.Serialization;
using Hangfire;
using Tracker.Web.Components;

namespace Tracker.Web.Hosting;

internal static class TrackerWebExtensions
{
    /// <summary>Dashboard, API plumbing, OpenAPI and the admin policy.</summary>
    public static WebApplicationBuilder AddTrackerWeb(this WebApplicationBuilder builder)
    {
        // Serve Razor class library assets (Plotly.Blazor's JS) from the build output outside Development too.
        builder.WebHost.UseStaticWebAssets();

        // The overview hands each interactive chart its whole ChartSpec; the browser sends those parameters back when the
        // circuit starts, and a few years of daily model counts exceed SignalR's default 32 KB per message, which
        // closed the circuit and left the charts undrawn. Allow 1 MB; TODO: let charts load their series on the server.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents()
            .AddHubOptions(o => o.MaximumReceiveMessageSize = 1024 * 1024);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            // Model names are third-party text: escape <, >, & and quotes so a name like <img …> never appears raw
            // in a response body (ASP.NET Core's default encoder for HTTP JSON is the relaxed one).
            o.SerializerOptions.Encoder = JavaScriptEncoder.Default;
        });
        builder.Services.AddAdminPolicy();

        // Let running jobs see their cancellation token before the host gives up on them (HangfireIO/Hangfire#2026).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    public static WebApplication UseTrackerWeb(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        return app;
    }

    /// <summary>Hangfire's dashboard at /jobs, behind the Admin policy (local requests, or admin credentials).</summary>
    public static WebApplication MapJobsDashboard(this WebApplication app)
    {
        app.MapHangfireDashboardWithAuthorizationPolicy(AdminAuthentication.Policy, "/jobs",
            new DashboardOptions { DashboardTitle = "Tracker jobs", DisplayStorageConnectionString = false, AppPath = "/" },
            app.Services.GetRequiredService<JobStorage>());
        return app;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
