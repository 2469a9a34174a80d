using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Core.Claims;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Digests;
using Tracker.Core.Sources;
using Tracker.Core.Sources.GitHub;
using Tracker.Core.Sources.HuggingFace;
using Tracker.Core.Stats;

namespace Tracker.Core;

public static class TrackerCoreExtensions
{
    /// <summary>Catalogue, database, sources, collector and queries.</summary>
    public static IHostApplicationBuilder AddTrackerCore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);

        services.AddOptions<TrackerOptions>().BindConfiguration(TrackerOptions.SectionName);
        services.AddSingleton<FamilyCatalog>();

        builder.AddTrackerData();
        services.AddSingleton<TrackerQueries>();
        services.AddSingleton<DataVersion>();
        services.AddSingleton<DataStamp>();
        services.AddSingleton<ListingCollector>();
        services.AddSingleton<GitHubWriter>();
        services.AddTransient<ISourcePipeline, ModelScopePipeline>();
        services.AddTransient<ISourcePipeline, GitHubPipeline>();
        services.AddTransient<Collector>();

        // Octokit's ETag cache lives in the database (the GitHub registration only adds an in-memory one when none is).
        services.AddSingleton<IHttpCacheStore, DbHttpCacheStore>();

        builder.AddHuggingFace();
        builder.AddModelScope();
        builder.AddGitHub();
        builder.AddTrackerClaims();
        builder.AddTrackerDigests();

        // After every source: the pacer must be the innermost handler of each client.
        builder.AddPacing();
        return builder;
    }

    /// <summary>Every source client waits for its host's pacer on each attempt, inside the retry loop.</summary>
    private static void AddPacing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PacingOptions>().BindConfiguration(PacingOptions.SectionName);
        builder.Services.AddSingleton<RequestPacers>();
        foreach (var name in new[] { RequestPacers.HuggingFace, RequestPacers.ModelScope, RequestPacers.GitHub })
        {
            builder.Services.AddHttpClient(name).AddHttpMessageHandler(sp => new PacingHandler(sp.GetRequiredService<RequestPacers>().For(name)));
        }
    }

    private static void AddHuggingFace(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HuggingFaceOptions>()
            .BindConfiguration(HuggingFaceOptions.SectionName)
            // The variables every Hugging Face client reads (huggingface_hub, huggingface.js) take precedence.
            .PostConfigure<IConfiguration>((o, config) => (o.Endpoint, o.Token) = SourceClients.FromEnvironment(config, "HF_ENDPOINT", "HF_TOKEN", o.Endpoint, o.Token))
            .Validate(o => SourceClients.IsHttpAddress(o.Endpoint),
                "HF_ENDPOINT / Tracker:HuggingFace:Endpoint must be an absolute http(s) address")
            .Validate(o => o.PageSize is >= 1 and <= 1000, "Tracker:HuggingFace:PageSize must be between 1 and 1000")
            .Validate(o => o.MaxRetries is >= 1 and <= 20, "Tracker:HuggingFace:MaxRetries must be between 1 and 20")
            .ValidateOnStart();

        builder.Services.AddSourceClient<HuggingFaceSource, HuggingFaceOptions>(HuggingFaceSource.HttpClientName,
            o => new SourceClientSettings(o.Endpoint, o.Token, o.AttemptTimeout, o.MaxRetries, TimeSpan.FromSeconds(2)));
    }
}
