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
    public static async Task<IHost> StartAsync(TestDatabase database, Uri huggingFace, TimeProvider? clock = null, IDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = database.Folder });
        builder.Logging.ClearProviders();
        var config = new Dictionary<string, string?>(database.Settings)
        {
            ["HF_ENDPOINT"] = huggingFace.AbsoluteUri,
        };
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
}
