using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tracker.Core;
using Tracker.Core.Data;

namespace Tracker.Testing;

/// <summary>Core wired exactly as the app wires it (catalogue, database, sources with resilience, collector, queries), without the web.</summary>
public static class CoreHost
{
    /// <summary>
    /// A host over <paramref name="database"/> with Hugging Face at <paramref name="huggingFace"/>. ModelScope and GitHub
    /// are collected only when their fakes are given (nothing here may reach the internet); pacing budgets are opened
    /// wide unless the settings say otherwise.
    /// </summary>
    public static async Task<IHost> StartAsync(
        TestDatabase database, Uri huggingFace, TimeProvider? clock = null, IDictionary<string, string?>? settings = null, Uri? modelScope = null, Uri? gitHub = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = database.Folder });
        builder.Logging.ClearProviders();
        var config = new Dictionary<string, string?>(database.Settings)
        {
            ["HF_ENDPOINT"] = huggingFace.AbsoluteUri,
        };
        foreach (var (key, value) in SourceSettings(modelScope, gitHub))
        {
            config[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.AddTrackerCore();
        var host = builder.Build();
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return host;
    }

    /// <summary>Settings that point ModelScope and GitHub at fakes, or switch them off; and wide pacing budgets for tests.</summary>
    public static Dictionary<string, string?> SourceSettings(Uri? modelScope, Uri? gitHub) => new()
    {
        ["Tracker:ModelScope:Enabled"] = modelScope is null ? "false" : "true",
        ["MODELSCOPE_ENDPOINT"] = modelScope?.AbsoluteUri,
        ["Tracker:ModelScope:RetryDelay"] = "00:00:00.050",
        ["Tracker:GitHub:Enabled"] = gitHub is null ? "false" : "true",
        ["GITHUB_API_URL"] = gitHub?.AbsoluteUri,
        ["Tracker:Pacing:ModelScope:Requests"] = "10000",
        ["Tracker:Pacing:ModelScope:Window"] = "00:00:01",
        ["Tracker:Pacing:GitHub:Requests"] = "10000",
        ["Tracker:Pacing:GitHub:Window"] = "00:00:01",
    };
}
