using System.Collections.Concurrent;

namespace Tracker.Core.Sources.GitHub;

/// <summary>Where cached HTTP responses (for ETag revalidation) are kept: opaque bytes under a string key.</summary>
public interface IHttpCacheStore
{
    Task<byte[]?> GetAsync(string key, CancellationToken ct);

    Task SetAsync(string key, byte[] value, CancellationToken ct);

    /// <summary>Waits until every entry set so far is stored durably (a store may write behind).</summary>
    Task FlushAsync(CancellationToken ct) => Task.CompletedTask;
}

/// <summary>The default store: process memory, lost on restart.</summary>
public sealed class InMemoryHttpCacheStore : IHttpCacheStore
{
    private readonly ConcurrentDictionary<string, byte[]> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public Task<byte[]?> GetAsync(string key, CancellationToken ct) =>
        Task.FromResult(_entries.TryGetValue(key, out var value) ? value : null);

    public Task SetAsync(string key, byte[] value, CancellationToken ct)
    {
        _entries[key] = value;
        return Task.CompletedTask;
    }
}
