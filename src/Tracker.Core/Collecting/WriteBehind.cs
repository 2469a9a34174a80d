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
    private readonly Gathering _gathering = new();
    private readonly WriteGate _gate;
    private readonly Task _writer;

    /// <summary>The writes to gather, or fewer when the queue holds fewer: a full queue has gathered all it can.</summary>
    private readonly int _gatherWrites;

    private WriteBehind(WriteGate gate, int capacity, int gather, CancellationToken cancellationToken)
    {
        _gate = gate;
        _gatherWrites = Math.Min(gather, capacity);
        _queue = Channel.CreateBounded<Func<TrackerDbContext, CancellationToken, Task>>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true });
        _writer = WriterThread.Run(() => DrainAsync(cancellationToken), "Tracker write-behind");
    }

    /// <summary>
    /// Starts a writer for one fetch loop: <paramref name="capacity"/> writes queued at most, and up to
    /// <paramref name="gather"/> of them waited for before a transaction (small writes that touch scattered index pages
    /// gain from more).
    /// </summary>
    public static WriteBehind Start(WriteGate gate, CancellationToken cancellationToken, int capacity = 16, int gather = GatherWrites) =>
        new(gate, capacity, gather, cancellationToken);

    /// <summary>Queues a write; it runs on a context whose transaction is open (and may be shared with neighbouring writes).</summary>
    public async ValueTask EnqueueAsync(Func<TrackerDbContext, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        try
        {
            await _queue.Writer.WriteAsync(write, cancellationToken);
            if (_queue.Reader.Count >= _gatherWrites)
            {
                _gathering.Wake();
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
        _gathering.Wake();
        await _writer;
    }

    public async ValueTask DisposeAsync()
    {
        _completing = true;
        _queue.Writer.TryComplete();
        _gathering.Wake();
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
                // Woken by the fetch loop's hand-over rather than by polling, which woke a thread-pool thread every few
                // milliseconds for each writer.
                await _gathering.WaitAsync(() => _completing || reader.Count >= _gatherWrites, GatherTime, cancellationToken);

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
}
