using System.Text.Encodings.Web;
using System.Text.Unicode;
using System.Text.Json.Serialization;
using Hangfire;
using Tracker.Web.Api;
using Tracker.Web.Components;
using Tracker.Web.Components.Charts;
using Tracker.Web.Localization;

namespace Tracker.Web.Hosting;

internal static class TrackerWebExtensions
{
    /// <summary>Dashboard, API plumbing, OpenAPI and the admin policy.</summary>
    public static WebApplicationBuilder AddTrackerWeb(this WebApplicationBuilder builder)
    {
        // Serve Razor class library assets (Plotly.Blazor's JS) from the build output outside Development too.
        builder.WebHost.UseStaticWebAssets();

        // Charts load their series on the server (LiveChart + ChartBuilder): only a small request crosses the circuit,
        // so SignalR's default 32 KB message size holds however long the history grows.
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddScoped<ChartBuilder>();
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
        builder.Services.AddTrackerLocalization();
        // Chinese pages carry their characters as characters, not as &#x…; entities (markup is still encoded).
        builder.Services.AddWebEncoders(o => o.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));

        // Let running jobs see their cancellation token before the host gives up on them (HangfireIO/Hangfire#2026).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    public static WebApplication UseTrackerWeb(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseRequestLocalization();
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
        app.MapCultureSwitch();
        // The charts' data endpoint lives with the dashboard (not in TrackerApi) because it serves the dashboard's shapes.
        app.MapDashboardApi();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
