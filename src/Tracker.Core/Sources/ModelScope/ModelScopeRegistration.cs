using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tracker.Core.Sources;
using Tracker.Core.Sources.ModelScope;

// In Tracker.Core, beside AddTrackerCore, which calls it.
namespace Tracker.Core;

public static class ModelScopeRegistration
{
    /// <summary>The ModelScope source: options (environment variables win), typed client with resilience and attempt counting.</summary>
    public static IHostApplicationBuilder AddModelScope(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ModelScopeOptions>()
            .BindConfiguration(ModelScopeOptions.SectionName)
            // The variables the ModelScope SDK reads take precedence.
            .PostConfigure<IConfiguration>((o, config) => (o.Endpoint, o.Token) = SourceClients.FromEnvironment(config, "MODELSCOPE_ENDPOINT", "MODELSCOPE_API_TOKEN", o.Endpoint, o.Token))
            .Validate(o => SourceClients.IsHttpAddress(o.Endpoint),
                "MODELSCOPE_ENDPOINT / Tracker:ModelScope:Endpoint must be an absolute http(s) address")
            .Validate(o => o.PageSize is >= 1 and <= 50, "Tracker:ModelScope:PageSize must be between 1 and 50")
            .Validate(o => o.MaxRetries is >= 1 and <= 20, "Tracker:ModelScope:MaxRetries must be between 1 and 20")
            .Validate(o => o.AttemptTimeout >= TimeSpan.FromSeconds(1), "Tracker:ModelScope:AttemptTimeout must be at least one second")
            .Validate(o => o.RetryDelay >= TimeSpan.Zero && o.RetryDelay <= TimeSpan.FromMinutes(10), "Tracker:ModelScope:RetryDelay must be between 0 and 10 minutes")
            .ValidateOnStart();

        builder.Services.AddSourceClient<ModelScopeSource, ModelScopeOptions>(ModelScopeSource.HttpClientName,
            o => new SourceClientSettings(o.Endpoint, o.Token, o.AttemptTimeout, o.MaxRetries, o.RetryDelay));
        return builder;
    }
}
