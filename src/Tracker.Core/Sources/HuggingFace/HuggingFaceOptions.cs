namespace Tracker.Core.Sources.HuggingFace;

public sealed class HuggingFaceOptions
{
    public const string SectionName = "Tracker:HuggingFace";

    /// <summary>Hub or mirror base address. The <c>HF_ENDPOINT</c> environment variable, when set, wins.</summary>
    public Uri Endpoint { get; set; } = new("https://huggingface.co/");

    /// <summary>Access token sent as Bearer. <c>HF_TOKEN</c>, when set, wins. Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>Models per listing page; Hugging Face serves at most 1,000.</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>Upper bound for one HTTP attempt; a page of 1,000 models with every expand can be slow.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>Retries after a 429, 5xx or timeout, waiting as the server says (RateLimit t=, Retry-After) or backing off.</summary>
    public int MaxRetries { get; set; } = 6;
}
