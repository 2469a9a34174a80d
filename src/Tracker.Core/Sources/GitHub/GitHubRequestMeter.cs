using System.Net;

namespace Tracker.Core.Sources.GitHub;

/// <summary>
/// Counts the HTTP attempts made to GitHub, and the 304s among them, within a scope. Octokit builds its own
/// <see cref="HttpRequestMessage"/>s, so <see cref="RequestTally"/> cannot ride in their options; instead the scope rides
/// in an <see cref="AsyncLocal{T}"/>, which flows from the caller through Octokit into the handler pipeline, and
/// <see cref="GitHubRequestCountingHandler"/> (in the <c>github</c> client, under the resilience handler so each retry
/// and each followed redirect counts) increments every open scope. Scopes nest: <see cref="GitHubSource"/> opens one
/// per call, and a caller may open an outer one around several calls (e.g. <c>ListOrgReposAsync</c>, whose result has
/// no counter) and read it afterwards. Concurrent calls on other async flows do not mix.
/// </summary>
public sealed class GitHubRequestMeter : IDisposable
{
    private static readonly AsyncLocal<GitHubRequestMeter?> CurrentScope = new();

    private readonly GitHubRequestMeter? _parent;
    private int _requests;
    private int _notModified;
    private bool _disposed;

    private GitHubRequestMeter(GitHubRequestMeter? parent) => _parent = parent;

    /// <summary>HTTP attempts that reached the network.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Attempts answered 304 Not Modified (the cached body was used; no primary quota spent when authorised).</summary>
    public int NotModified => Volatile.Read(ref _notModified);

    /// <summary>Opens a scope on the current async flow; dispose it to close.</summary>
    public static GitHubRequestMeter Start()
    {
        var meter = new GitHubRequestMeter(CurrentScope.Value);
        CurrentScope.Value = meter;
        return meter;
    }

    internal static void CountAttempt()
    {
        for (var m = CurrentScope.Value; m is not null; m = m._parent)
        {
            Interlocked.Increment(ref m._requests);
        }
    }

    internal static void CountNotModified()
    {
        for (var m = CurrentScope.Value; m is not null; m = m._parent)
        {
            Interlocked.Increment(ref m._notModified);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (ReferenceEquals(CurrentScope.Value, this))
        {
            CurrentScope.Value = _parent;
        }
    }
}

/// <summary>In the <c>github</c> client: one count per attempt, and one per 304, into the open <see cref="GitHubRequestMeter"/>s.</summary>
public sealed class GitHubRequestCountingHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        GitHubRequestMeter.CountAttempt();
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            GitHubRequestMeter.CountNotModified();
        }

        return response;
    }
}
