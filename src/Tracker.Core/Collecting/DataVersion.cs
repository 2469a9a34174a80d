namespace Tracker.Core.Collecting;

/// <summary>
/// A counter that moves every time collected data commits (each finished run, and each finished collection). Whatever
/// caches numbers read from the database (the API's output cache) listens to <see cref="Changed"/> and drops them, so a
/// client never sees the old numbers after a collection. Core knows nothing about HTTP: the web host subscribes.
/// Writers bump it through <see cref="DataStamp"/>, whose row carries the news to other processes.
/// </summary>
public sealed class DataVersion
{
    private long _value;

    /// <summary>Raised after every bump, on the committing thread; handlers must be quick and must not throw.</summary>
    public event Action<long>? Changed;

    public long Current => Interlocked.Read(ref _value);

    /// <summary>Called after data committed; returns the new version.</summary>
    public long Bump()
    {
        var value = Interlocked.Increment(ref _value);
        Changed?.Invoke(value);
        return value;
    }
}
