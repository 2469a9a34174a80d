namespace Tracker.Core.Sources.ModelScope;

public sealed class ModelScopeOptions
{
    public const string SectionName = "Tracker:ModelScope";

    /// <summary>
    /// Hub base address: <c>https://modelscope.cn/</c>, or <c>https://www.modelscope.ai</c> for the international site.
    /// The <c>MODELSCOPE_ENDPOINT</c> environment variable, when set, wins.
    /// </summary>
    public Uri Endpoint { get; set; } = new("https://modelscope.cn/");

    /// <summary>Collect this source at all. Off, the collection plans no run for it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Access token sent as Bearer. <c>MODELSCOPE_API_TOKEN</c>, when set, wins. Never logged. Listing needs none.</summary>
    public string? Token { get; set; }

    /// <summary>Models per listing page; the OpenAPI listing serves at most 50.</summary>
    public int PageSize { get; set; } = 50;

    /// <summary>Upper bound for one HTTP attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Retries after a 429, 5xx or timeout, waiting as <c>Retry-After</c> says or backing off exponentially.</summary>
    public int MaxRetries { get; set; } = 6;

    /// <summary>The first back-off step when the server names no wait (it doubles, with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// <see cref="ModelScopeListing.Auto"/> (the OpenAPI listing, the legacy one for orgs past its 3,000-model window)
    /// or <see cref="ModelScopeListing.Legacy"/> (always the legacy listing).
    /// </summary>
    public ModelScopeListing Listing { get; set; } = ModelScopeListing.Auto;
}

public enum ModelScopeListing
{
    Auto,
    Legacy,
}
