using Tracker.Core;
using Tracker.Jobs;
using Tracker.Web.Api;
using Tracker.Web.Digests;
using Tracker.Web.Hosting;

var builder = WebApplication.CreateBuilder(SettingsFiles.HostArguments(RankingImportCommand.HostArguments(CollectCommand.HostArguments(args))));

builder.AddTrackerCore();
builder.AddTrackerJobs();
builder.AddTrackerWeb();
builder.AddTrackerApi();
builder.AddTrackerDigestsWeb();

var app = builder.Build();

if (CollectCommand.IsRequested(args))
{
    return await CollectCommand.RunAsync(app);
}

if (RankingImportCommand.IsRequested(args))
{
    return await RankingImportCommand.RunAsync(app, args);
}

app.UseTrackerWeb();
app.UseTrackerApi();
app.MapTrackerApi();
app.MapDigestsApi();
app.MapJobsDashboard();
app.MapDashboard();

await app.RunAsync();
return 0;
