using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tracker.Core.Collecting;
using Tracker.Testing;

namespace Tracker.Web.Tests.Infrastructure;

/// <summary>What a test wants from the app it hosts.</summary>
public sealed record AppOptions
{
    /// <summary>The startup check that queues a collection when none is complete. Off unless a test wants it.</summary>
    public bool CollectWhenStale { get; init; }

    public string? AdminPassword { get; init; }

    /// <summary>Serve over real Kestrel on loopback (for a browser, or a real remote address).</summary>
    public bool Kestrel { get; init; }

    /// <summary>A PostgreSQL database (TRACKER_TEST_POSTGRES) instead of a SQLite file.</summary>
    public bool Postgres { get; init; }

    /// <summary>More configuration, applied last.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// Tracker.Web over a fresh test database and a fake Hugging Face on loopback that serves a generated ecosystem,
/// including a model whose name is markup. Create with <see cref="StartAsync"/>; dispose when done.
/// </summary>
/// <remarks>
/// The entry point is named through <see cref="Tracker.Web.Components.App"/>: Tracker.Testing (also a web Exe) has a public
/// <c>Program</c> of its own, so <c>Program</c> would be ambiguous here; the factory only needs the assembly.
/// </remarks>
public sealed class TrackerAppFactory : WebApplicationFactory<Tracker.Web.Components.App>
{
    public const string HostileName = "<img src=x onerror=alert(1)>";
    public const string HostileId = "Qwen/" + HostileName;
    public static readonly string[] FamilyIds = ["qwen", "deepseek", "hunyuan", "ernie"];

    private readonly AppOptions _options;

    private TrackerAppFactory(TestDatabase database, FakeHuggingFaceHub hub, IReadOnlyList<FakeModel> models, AppOptions options)
    {
        Database = database;
        Hub = hub;
        Models = models;
        _options = options;
    }

    public TestDatabase Database { get; }

    /// <summary>The app's warnings and errors.</summary>
    public LogSink Log { get; } = new();

    public FakeHuggingFaceHub Hub { get; }

    /// <summary>The ground truth the hub serves.</summary>
    public IReadOnlyList<FakeModel> Models { get; }

    /// <summary>The real server's address when <see cref="AppOptions.Kestrel"/>, without a trailing slash.</summary>
    public string BaseUrl { get; private set; } = "";

    public static async Task<TrackerAppFactory> StartAsync(AppOptions? options = null)
    {
        options ??= new AppOptions();
        var models = Ecosystem.Generate(seed: 7, perFamily: 12, hostileName: true);
        var database = options.Postgres ? await TestDatabase.CreatePostgresAsync() : TestDatabase.CreateSqlite();
        var hub = await FakeHuggingFaceHub.StartAsync(models);
        var factory = new TrackerAppFactory(database, hub, models, options);
        if (options.Kestrel)
        {
            factory.UseKestrel(0);
            factory.StartServer();
            factory.BaseUrl = factory.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        }
        else
        {
            // Builds and starts the TestServer host.
            _ = factory.Server;
        }

        return factory;
    }

    public ExpectedTotals Expected(string family) => Ecosystem.Expected(Models, family);

    /// <summary>One full collection, synchronously, as the job would run it.</summary>
    public async Task<CollectionResult> CollectAsync()
    {
        var result = await Services.GetRequiredService<Collector>().RunAsync("test", CancellationToken.None);
        Assert.True(result.Succeeded, $"collection {result.Status}: " + string.Join("; ", result.Runs.Select(r => r.Error)));
        return result;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseContentRoot(Path.Combine(Repository.Root, "src", "Tracker.Web"));
        foreach (var (key, value) in Database.Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("HF_ENDPOINT", Hub.Endpoint.AbsoluteUri);
        // ModelScope and GitHub have their own tests; here they are off so nothing reaches beyond loopback.
        foreach (var (key, value) in CoreHost.SourceSettings(modelScope: null, gitHub: null))
        {
            builder.UseSetting(key, value);
        }

        builder.UseSetting("Tracker:Jobs:CollectWhenStale", _options.CollectWhenStale ? "true" : "false");
        // One shared app serves many test classes from one address: a per-IP bucket sized for a person would run dry.
        // The rate-limit tests set their own small bucket through the settings below.
        if (!_options.Settings.Keys.Any(k => k.StartsWith("Tracker:Api:", StringComparison.Ordinal)))
        {
            builder.UseSetting("Tracker:Api:PermitLimit", "1000000");
            builder.UseSetting("Tracker:Api:TokensPerPeriod", "1000000");
        }
        builder.UseSetting("DetailedErrors", "true");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Warning");
        builder.ConfigureLogging(l => l.AddProvider(Log));
        foreach (var (key, value) in _options.Settings)
        {
            builder.UseSetting(key, value);
        }

        if (_options.AdminPassword is { } password)
        {
            builder.UseSetting("Tracker:Admin:User", "admin");
            builder.UseSetting("Tracker:Admin:Password", password);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Hub.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>Reading the API as a client would.</summary>
public static class Json
{
    public static async Task<JsonNode> GetNodeAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url, UriKind.RelativeOrAbsolute));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    public static long? Number(this JsonNode? node) => node?.GetValueKind() == JsonValueKind.Number ? node.GetValue<long>() : null;

    public static string? Text(this JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;
}
