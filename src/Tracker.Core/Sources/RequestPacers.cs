using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Tracker.Core.Sources.HuggingFace;

namespace Tracker.Core.Sources;

/// <summary>
/// Request budgets per host (<c>Tracker:Pacing:{source}</c>). Unset, they follow the documented quotas with a 5% margin:
/// Hugging Face 500 per 5 minutes anonymous, 1,000 with a token; GitHub 60 per hour anonymous, 5,000 with a token;
/// ModelScope (no published limit) 1 per second.
/// </summary>
public sealed class PacingOptions
{
    public const string SectionName = "Tracker:Pacing";

    public PacingBudget? HuggingFace { get; set; }
    public PacingBudget? ModelScope { get; set; }
    public PacingBudget? GitHub { get; set; }
}

/// <summary>One <see cref="RequestPacer"/> per source host, shared by every client and run in the process.</summary>
public sealed class RequestPacers : IDisposable
{
    public const string HuggingFace = HuggingFaceSource.HttpClientName;
    public const string ModelScope = "modelscope";
    public const string GitHub = "github";

    private readonly Dictionary<string, RequestPacer> _pacers;

    public RequestPacers(IOptions<PacingOptions> options, IOptions<HuggingFaceOptions> huggingFace, IConfiguration configuration, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(configuration);
        var o = options.Value;
        var hfToken = !string.IsNullOrEmpty(huggingFace.Value.Token);
        var ghToken = !string.IsNullOrEmpty(configuration["GITHUB_TOKEN"] ?? configuration["Tracker:GitHub:Token"]);
        _pacers = new Dictionary<string, RequestPacer>(StringComparer.Ordinal)
        {
            [HuggingFace] = new(HuggingFace, o.HuggingFace ?? new PacingBudget { Requests = hfToken ? 950 : 475, Window = TimeSpan.FromMinutes(5) }, clock),
            [ModelScope] = new(ModelScope, o.ModelScope ?? new PacingBudget { Requests = 1, Window = TimeSpan.FromSeconds(1) }, clock),
            // An hour's GitHub budget is not worth waiting for inside a run: the rest is deferred to a later run.
            [GitHub] = new(GitHub, o.GitHub ?? new PacingBudget { Requests = ghToken ? 4750 : 57, Window = TimeSpan.FromHours(1), MaxWait = TimeSpan.FromMinutes(2) }, clock),
        };
    }

    public RequestPacer For(string source) => _pacers[source];

    public IEnumerable<RequestPacer> All => _pacers.Values;

    public void Dispose()
    {
        foreach (var pacer in _pacers.Values)
        {
            pacer.Dispose();
        }
    }
}
