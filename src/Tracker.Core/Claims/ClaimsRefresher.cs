using Microsoft.Extensions.Logging;
using Tracker.Core.Sources;

namespace Tracker.Core.Claims;

/// <summary>
/// The step after each collection: record today's trending ranking, then measure every claim. A failing trending
/// request is logged and the claims are still measured (the ranking claim says what it lacks).
/// </summary>
public sealed partial class ClaimsRefresher(TrendingRecorder trending, ClaimsMeasurer measurer, ILogger<ClaimsRefresher> logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await trending.RecordAsync(cancellationToken);
        }
        catch (SourceException e)
        {
            Log.TrendingFailed(logger, e, e.Message);
        }

        var results = await measurer.MeasureAllAsync(cancellationToken);
        Log.Measured(logger, results.Count, results.Count(r => r.Value.Verdict == Verdicts.Consistent));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Recording Hugging Face trending failed: {Reason}")]
        public static partial void TrendingFailed(ILogger logger, Exception exception, string reason);

        [LoggerMessage(2, LogLevel.Information, "Claims measured: {Claims}, {Consistent} consistent")]
        public static partial void Measured(ILogger logger, int claims, int consistent);
    }
}
