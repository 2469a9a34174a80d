namespace Tracker.Web.Tests.Infrastructure;

/// <summary>
/// Every test class that hosts the app belongs here. Hangfire keeps process-wide state (JobStorage.Current, its
/// log provider), so two hosts must never live at the same time (stack-notes §2.4).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AppHosts
{
    public const string Name = "App";
}
