using System.Globalization;
using Tracker.Core.Collecting;
using Tracker.Core.Data;

namespace Tracker.Web.Hosting;

/// <summary>
/// <c>dotnet run --project src/Tracker.Web -- collect</c>: one full collection against the configured database, without
/// the web server or the job server. Exit code 0 when every org was collected, 1 otherwise, naming what failed.
/// </summary>
internal static class CollectCommand
{
    private const string Verb = "collect";

    public static bool IsRequested(string[] args) => args.Length > 0 && args[0] == Verb;

    /// <summary>The arguments left for the host's configuration once the verb is taken off.</summary>
    public static string[] HostArguments(string[] args) => IsRequested(args) ? args[1..] : args;

    public static async Task<int> RunAsync(WebApplication app)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };

        try
        {
            var database = app.Services.GetRequiredService<DatabaseOptions>();
            if (database.MigrateOnStartup)
            {
                await app.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(cancel.Token);
            }

            var result = await app.Services.GetRequiredService<Collector>().RunAsync("command", cancel.Token);
            await app.Services.GetRequiredService<Tracker.Core.Claims.ClaimsRefresher>().RunAsync(cancel.Token);
            foreach (var run in result.Runs)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{run.Source}/{run.Org}: {run.Status}, {run.Items} models, {run.Requests} requests, {run.Bytes} bytes"));
            }

            if (result.Succeeded)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"collection {result.CollectionId} succeeded"));
                return 0;
            }

            if (result.Status == RunStatus.Deferred)
            {
                // Not a failure: a rate limit was spent; running collect again after the reset completes the day.
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"collection {result.CollectionId} deferred part of its work until {result.ResumeAt:O}; run collect again after that to complete it"));
                return 0;
            }

            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"collection {result.CollectionId} {result.Status}:"));
            foreach (var run in result.Runs.Where(r => r.Error is not null))
            {
                await Console.Error.WriteLineAsync("  " + run.Error);
            }

            return 1;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("collection cancelled; what was committed is kept and the next run completes the day");
            return 130;
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"collection failed: {e.Message}");
            return 2;
        }
    }
}
