namespace Tracker.Web.Tests.Infrastructure;

/// <summary>One app (TestServer) that has run one full collection, shared by a test class that only reads.</summary>
public sealed class CollectedApp : IAsyncLifetime
{
    public TrackerAppFactory App { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        App = await TrackerAppFactory.StartAsync();
        await App.CollectAsync();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}
