using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Tracker.Core.Sources.HuggingFace;
using Tracker.Core.Stats;

namespace Tracker.Core.Claims;

public static class ClaimsExtensions
{
    /// <summary>The claims ledger, the trending recorder, the ranking importer, the measurer and its queries.</summary>
    public static IHostApplicationBuilder AddTrackerClaims(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<ClaimsOptions>().BindConfiguration(ClaimsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ClaimsOptions>, ClaimsOptionsValidator>());
        services.AddSingleton(sp => ClaimsLedger.Load(sp.GetRequiredService<IOptions<ClaimsOptions>>().Value.LedgerPath));
        services.AddSingleton(_ => OrgRegions.LoadEmbedded());
        services.AddTransient<HuggingFaceTrendingSource>();
        services.AddTransient<TrendingRecorder>();
        services.AddTransient<RankingImporter>();
        services.AddTransient<ClaimsMeasurer>();
        services.AddTransient<ClaimsRefresher>();
        services.AddSingleton<ClaimsQueries>();
        return builder;
    }
}
