using Tracker.Core;
using Tracker.Jobs;
using Tracker.Web.Api;
using Tracker.Web.Digests;
using Tracker.Web.Hosting;

var builder = WebApplication.CreateBuilder(CollectCommand.HostArguments(args));

builder.AddTrackerCore();
builder.AddTrackerJobs();
builder.AddTrackerWeb();
builder.AddTrackerDigestsWeb();

var app = builder.Build();

if (CollectCommand.IsRequested(args))
{
    return await CollectCommand.RunAsync(app);
}

app.UseTrackerWeb();
app.MapTrackerApi();
app.MapDigestsApi();
app.MapJobsDashboard();
app.MapDashboard();

await app.RunAsync();
return 0;
