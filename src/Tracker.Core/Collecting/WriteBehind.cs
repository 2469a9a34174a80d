using System.Threading.Channels;

namespace Tracker.Core.Collecting;

/// <summary>
/// Lets a fetch loop hand its writes to one writer that runs alongside it, in order, through a bounded queue: the
/// database's time hides behind the network's, and memory holds at most <c>capacity</c> pending writes. A failed write
/// stops the loop at its next hand-over with that write's error.
/// </summary>
public sealed class WriteBehind : IAsyncDisposable
{
    private readonly Channel<Func<CancellationToken, Task>> _queue;
    private readonly Task _writer;

    private WriteBehind(int capacity, CancellationToken cancellationToken)
    {
        _queue = Channel.CreateBounded<Func<CancellationToken, Task>>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        _writer = Task.Run(() => DrainAsync(cancellationToken), cancellationToken);
    }

    public static WriteBehind Start(CancellationToken cancellationToken, int capacity = 16) => new(capacity, cancellationToken);

    public async ValueTask EnqueueAsync(Func<CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(write, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            await _writer; // rethrows the write that failed
            throw;
        }
    }

    /// <summary>Waits for every queued write; rethrows the first that failed.</summary>
    public async Task CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _writer;
        }
        catch (Exception)
        {
            // Disposal after a failure: the caller is already reporting the error that stopped it.
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var write in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                await write(cancellationToken);
            }
        }
        catch (Exception e)
        {
            _queue.Writer.TryComplete(e);
            throw;
        }
    }
}
