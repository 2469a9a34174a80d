using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SQLitePCL;

namespace Tracker.Core.Data;

/// <summary>
/// Checkpoints SQLite's write-ahead log for the write gate (<see cref="WriteGate"/>), beside its turns rather than inside
/// one. SQLite's own automatic checkpoint runs in the commit that takes the log past 1,000 pages, and that commit holds the
/// process's write turn for as long as the checkpoint takes: copying the log into the database and two <c>fsync</c>s,
/// 20–35 ms a time on this project's VM, while every other writer waits for the turn and a fetch loop whose writer
/// falls behind waits for room in its queue. Here the gate's connection has the automatic checkpoint off; each turn
/// reports the pages it wrote (<see cref="Written"/>), and once as many as SQLite's threshold have gathered, a thread of
/// its own, on a connection of its own, runs a passive checkpoint — which SQLite lets run while the next turns write.
/// The pages committed while it ran are then checkpointed in a turn of the gate's (a few, so the <c>fsync</c>s are short):
/// SQLite starts the log over only once a checkpoint has caught up with it, and with turns following each other it
/// otherwise never would, and the log would grow by everything a collection writes. The same pages are checkpointed as
/// with SQLite's own threshold, so a collection does the same work: it only no longer stops the other writers for it.
/// Connections outside the gate keep SQLite's automatic checkpoint, as a backstop.
/// </summary>
internal sealed partial class WalCheckpointer : IDisposable
{
    /// <summary>SQLite's default automatic checkpoint threshold, in pages (<c>PRAGMA wal_autocheckpoint</c>).</summary>
    public const int DefaultThreshold = 1000;

    private readonly string _connectionString;
    private readonly ILogger _logger;
    private readonly int _threshold;
    private volatile bool _closed;
    private SqliteConnection? _connection;
    // Touched only by the turn's holder (Written), one at a time.
    private long _pending;
    private bool _catchUp;
    private Task _running = Task.CompletedTask;

    /// <param name="connectionString">The database's; the checkpoints run on a connection of their own.</param>
    /// <param name="logger">Where a failed checkpoint is reported.</param>
    /// <param name="threshold">Pages written to the log that start a checkpoint (tests use fewer).</param>
    public WalCheckpointer(string connectionString, ILogger logger, int threshold = DefaultThreshold)
    {
        _connectionString = connectionString;
        _logger = logger;
        _threshold = threshold;
    }

    /// <summary>Switches SQLite's automatic checkpoint off on the gate's connection: this checkpointer does that work.</summary>
    public static void TakeOver(SqliteConnection connection) => AutoCheckpoint(connection, 0);

    /// <summary>
    /// Gives SQLite's automatic checkpoint back to the gate's connection before it closes: a pooled connection's native
    /// handle goes back to the pool with its settings, and the app's other writes rely on it.
    /// </summary>
    public static void GiveBack(SqliteConnection connection) => AutoCheckpoint(connection, DefaultThreshold);

    /// <summary>
    /// Called by the turn's holder after its commit or rollback, with the turn still held, on the gate's connection:
    /// counts the pages the connection has written to the log since the last call, and starts a checkpoint once they
    /// reach the threshold and none is running (a checkpoint still running leaves the count to the next turns). The first
    /// turn to end after a checkpoint has finished checkpoints, on the gate's connection, what was committed while it ran.
    /// </summary>
    public void Written(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        // Pages written to the log by this connection since the last reset (which this call asks for).
        _ = raw.sqlite3_db_status(connection.Handle, raw.SQLITE_DBSTATUS_CACHE_WRITE, out var written, out _, 1);
        _pending += written;
        if (!_running.IsCompleted || _closed)
        {
            return;
        }

        if (_catchUp)
        {
            // A few pages, and nothing else writes meanwhile: the log is then checkpointed to its end, and the next turn
            // starts it over.
            _catchUp = false;
            _pending = 0;
            Guarded(() => Run(connection));
        }
        else if (_pending >= _threshold)
        {
            _pending = 0;
            _catchUp = true;
            _running = Task.Factory.StartNew(Checkpoint, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
    }

    /// <summary>Tests: runs on the checkpoint's thread before it checkpoints (to hold it while turns write).</summary>
    internal Action? Starting { get; init; }

    /// <summary>Completes when no checkpoint is running; a failed checkpoint does not fault it (it is logged, and retried later).</summary>
    public Task IdleAsync() => Volatile.Read(ref _running);

    /// <summary>Waits for a running checkpoint and closes its connection.</summary>
    public void Dispose()
    {
        _closed = true;
        Volatile.Read(ref _running).Wait();
        _connection?.Dispose();
    }

    private void Checkpoint()
    {
        Collecting.WriterThread.LowerPriority();
        Starting?.Invoke();
        // Beside the turns: the next turns append to the log while this copies what was committed before it began.
        Guarded(() => Run(_connection ??= Open(_connectionString)));
    }

    private void Guarded(Action checkpoint)
    {
        try
        {
            checkpoint();
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            // Never worth failing a write or a collection for: the log keeps every page, and the next turn's catch-up or
            // checkpoint copies them.
            Log.Failed(_logger, e);
        }
    }

    private static SqliteConnection Open(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        return connection;
    }

    private static void AutoCheckpoint(SqliteConnection connection, int pages)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA wal_autocheckpoint={pages};";
        command.ExecuteNonQuery();
    }

    private static void Run(SqliteConnection connection)
    {
        // As a statement rather than sqlite3_wal_checkpoint_v2: a connection that has not read the database yet has not
        // opened its log, and the call would return at once having done nothing. A passive checkpoint is never busy
        // for a lock; it stops at what a reader still uses, and another checkpoint running leaves it to the next.
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA main.wal_checkpoint(PASSIVE);";
        command.ExecuteNonQuery();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Checkpointing SQLite's write-ahead log failed; the log keeps growing until a later checkpoint")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
