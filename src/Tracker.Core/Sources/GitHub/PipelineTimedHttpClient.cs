using Octokit;
using Octokit.Internal;

namespace Tracker.Core.Sources.GitHub;

/// <summary>
/// Octokit's <see cref="HttpClientAdapter"/> with its per-request timeout off: the resilience pipeline owns timeouts. The
/// adapter makes a <see cref="CancellationTokenSource"/> with a timer for each request whose <see cref="Request.Timeout"/>
/// is not zero (100 s unless a call says otherwise) and never disposes it, so every request left a timer queued for 100
/// seconds — thousands of them during a collection, each firing long after its request had finished.
/// </summary>
internal sealed class PipelineTimedHttpClient(HttpClientAdapter adapter) : IHttpClient
{
    public Task<IResponse> Send(IRequest request, CancellationToken cancellationToken, Func<object, object>? preprocessResponseBody = null)
    {
        if (request is Request timed)
        {
            timed.Timeout = TimeSpan.Zero;
        }

        return adapter.Send(request, cancellationToken, preprocessResponseBody);
    }

    public void SetRequestTimeout(TimeSpan timeout) => adapter.SetRequestTimeout(timeout);

    public void Dispose() => adapter.Dispose();
}
