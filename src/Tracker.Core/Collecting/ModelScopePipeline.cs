using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Core.Data;
using Tracker.Core.Sources.ModelScope;

namespace Tracker.Core.Collecting;

/// <summary>ModelScope: one run per catalogue org, listed whole (past 3,000 models through the legacy listing).</summary>
public sealed class ModelScopePipeline(
    FamilyCatalog catalog, ModelScopeSource modelScope, IOptions<ModelScopeOptions> options, ListingCollector listings) : ISourcePipeline
{
    public string Source => Platform.ModelScope;

    public IReadOnlyList<PlannedRun> Plan(DateOnly day) => !options.Value.Enabled ? [] :
        [.. catalog.OrgsFor(Platform.ModelScope).Select(org => new PlannedRun(Platform.ModelScope, RunKinds.Models, org,
            (run, fetched, ct) => listings.CollectAsync(Platform.ModelScope, org, modelScope.ListModelsAsync(org, ct), day, run, fetched, ct),
            (db, run, ct) => listings.FinishAsync(db, Platform.ModelScope, org, day, run, ct)))];
}
