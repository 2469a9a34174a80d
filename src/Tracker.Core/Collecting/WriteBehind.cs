using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>
/// Lets a fetch loop hand its writes to one writer that runs alongside it, in order, through a bounded queue: the
/// database's time hides behind the network's, and memory holds at most <c>capacity</c> pending writes. A failed write
/// stops the loop at its next hand-over with that write's error.
/// <para>
/// The writes already queued when the writer turns to them share one transaction (up to <see cref="MaxPerTransaction"/>
/// writes or <see cref="MaxTransactionTime"/>), after waiting briefly for a few to gather (<see cref="GatherWrites"/>):
/// a writer that fell behind catches up with fewer, larger commits, and one that keeps up does not commit page by page.
/// Each write must be safe to repeat (they are all upserts and marks), because a failure or a kill loses the uncommitted
/// writes of its group — the next run fetches them again, and the marks that vouch for pages are always queued after
/// those pages, so they never commit without them.
/// </para>
/// </summary>
public sealed class WriteBehind : IAsyncDisposable
{
    /// <summary>At most this many writes per transaction: bounds what a kill loses and how long other writers wait.</summary>
    public const int MaxPerTransaction = 64;

    /// <summary>
    /// A group is committed once it has held its transaction this long, whatever is still queued: on SQLite it holds the
    /// process's write turn (see <see cref="WriteGate"/>), and the listings' page writes wait for it. 100–500 ms measured
    /// alike at scale 1 with tests/Tracker.Benchmarks; at scale 10, where the derivative writer is the critical path,
    /// 300 ms did better than 100 ms (1.60 against 1.86 times the baseline).
    /// </summary>
    public static readonly TimeSpan MaxTransactionTime = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// A writer that finds fewer than this many writes queued waits (up to <see cref="GatherTime"/>, without holding the
    /// write turn) for more before it begins a transaction: a writer that keeps up would otherwise commit page by page,
    /// and each commit writes every index page it touched to the WAL again.
    /// </summary>
    public const int GatherWrites = 8;

    /// <summary>How long a writer waits for <see cref="GatherWrites"/> writes before it writes what it has.</summary>
    public static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(200);

    private readonly Channel<Func<TrackerDbContext, CancellationToken, Task>> _queue;
    private volatile bool _completing;

    /// <summary>While the writer gathers: completed once enough writes are queued, or the queue is completing.</summary>
    private TaskCompletionSource? _gathered;
    private readonly WriteGate _gate;
    private readonly Task _writer;

    /// <summary><see cref="GatherWrites"/>, or fewer when the queue holds fewer: a full queue has gathered all it can.</summary>
    private readonly int _gatherWrites;

    private WriteBehind(WriteGate gate, int capacity, CancellationToken cancellationToken)
    {
        _gate = gate;
        _gatherWrites = Math.Min(GatherWrites, capacity);
        _queue = Channel.CreateBounded<Func<TrackerDbContext, CancellationToken, Task>>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        _writer = WriterThread.Run(() => DrainAsync(cancellationToken), "Tracker write-behind");
    }

    public static WriteBehind Start(WriteGate gate, CancellationToken cancellationToken, int capacity = 16) =>
        new(gate, capacity, cancellationToken);

    /// <summary>Queues a write; it runs on a context whose transaction is open (and may be shared with neighbouring writes).</summary>
    public async ValueTask EnqueueAsync(Func<TrackerDbContext, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(write, cancellationToken);
            if (_queue.Reader.Count >= _gatherWrites)
            {
                Volatile.Read(ref _gathered)?.TrySetResult();
            }
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
        _completing = true;
        _queue.Writer.TryComplete();
        Volatile.Read(ref _gathered)?.TrySetResult();
        await _writer;
    }

    public async ValueTask DisposeAsync()
    {
        _completing = true;
        _queue.Writer.TryComplete();
        Volatile.Read(ref _gathered)?.TrySetResult();
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
            var reader = _queue.Reader;
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                await GatherAsync(reader, cancellationToken);

                await using var turn = await _gate.BeginAsync(cancellationToken);
                var started = Stopwatch.GetTimestamp();
                for (var written = 0; written < MaxPerTransaction && Stopwatch.GetElapsedTime(started) < MaxTransactionTime && reader.TryRead(out var write); written++)
                {
                    await write(turn.Db, cancellationToken);
                    turn.Db.ChangeTracker.Clear();
                }

                await turn.CommitAsync(cancellationToken);
            }
        }
        catch (Exception e)
        {
            _queue.Writer.TryComplete(e);
            throw;
        }
    }

    /// <summary>
    /// Waits until <see cref="GatherWrites"/> writes are queued, the queue completes or <see cref="GatherTime"/> passes —
    /// woken by the fetch loop's hand-over rather than by polling, which woke a thread-pool thread every few milliseconds
    /// for each writer.
    /// </summary>
    private async Task GatherAsync(ChannelReader<Func<TrackerDbContext, CancellationToken, Task>> reader, CancellationToken cancellationToken)
    {
        if (_completing || reader.Count >= _gatherWrites)
        {
            return;
        }

        var gathered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _gathered, gathered);
        try
        {
            // Published first, checked again: a hand-over between the two checks has seen the source, or left the count.
            if (!_completing && reader.Count < _gatherWrites)
            {
                await gathered.Task.WaitAsync(GatherTime, cancellationToken);
            }
        }
        catch (TimeoutException)
        {
            // Written with what there is.
        }
        finally
        {
            Volatile.Write(ref _gathered, null);
        }
    }
}
