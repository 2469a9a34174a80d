using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Tracker.Core.Data;

/// <summary>
/// Gives this process's write transactions on SQLite one turn at a time, on one connection. SQLite admits one writer
/// anyway: without the gate, the collection's writers (model pages, the derivative and GitHub writers, the ETag cache)
/// collided in <c>BEGIN IMMEDIATE</c> and slept in SQLite's busy handler, in steps of up to 100 ms, long after the lock
/// was free; in the gate's queue the next writer starts the moment the previous one commits.
/// <para>
/// Every turn writes through the same connection, kept open. In WAL mode a connection drops its whole page cache when
/// another connection has written since its last transaction; with the writes spread over the pool's connections,
/// each turn started cold and read the index pages it was about to change back from the file. On one connection, a
/// turn finds the pages the previous turn left: the benchmark's collection at 10× reads 1.0 GB instead of 1.9 GB and
/// writes 1.7 GB instead of 2.3 GB (its CPU did not change where the file cache held the whole database).
/// Readers keep the pool. The write-ahead log is checkpointed beside the turns (<see cref="WalCheckpointer"/>), not in the
/// commit that fills it, which held the turn for the checkpoint's copying and <c>fsync</c>s.
/// On PostgreSQL, which takes many writers, a turn is a pooled context and its transaction.
/// Writes elsewhere (another process, the web app's own) still meet the lock and wait in <c>busy_timeout</c>
/// (see <see cref="SqlitePragmas"/>).
/// </para>
/// </summary>
public sealed class WriteGate : IDisposable
{
    private readonly IDbContextFactory<TrackerDbContext> _contexts;
    private readonly SemaphoreSlim? _turn;

    // A pool of its own over the app's SQLite options (so both share EF Core's model and compiled queries); each turn's
    // context is handed the write connection before it opens one of its own, and a pooled context keeps a connection it
    // does not own as it is. The connection is opened once and only touched by the turn's holder.
    private readonly PooledDbContextFactory<SqliteTrackerDbContext>? _sqliteContexts;
    private SqliteConnection? _connection;
    private WalCheckpointer? _checkpointer;
    private readonly ILogger<WriteGate> _logger;

    public WriteGate(DatabaseOptions options, IDbContextFactory<TrackerDbContext> contexts, IServiceProvider services)
    {
        _contexts = contexts;
        _logger = services.GetRequiredService<ILogger<WriteGate>>();
        if (string.Equals(options?.Provider, DatabaseProviders.Sqlite, StringComparison.OrdinalIgnoreCase))
        {
            _turn = new(1, 1);
            _sqliteContexts = new(services.GetRequiredService<DbContextOptions<SqliteTrackerDbContext>>());
        }
    }

    /// <summary>Waits for this process's turn to write, then gives a context whose transaction is open.</summary>
    public async Task<WriteTurn> BeginAsync(CancellationToken cancellationToken)
    {
        if (_turn is not null)
        {
            await _turn.WaitAsync(cancellationToken);
        }

        TrackerDbContext? db = null;
        try
        {
            db = _sqliteContexts is null ? await _contexts.CreateDbContextAsync(cancellationToken) : await SqliteContextAsync(_sqliteContexts, cancellationToken);
            await db.Database.OpenConnectionAsync(cancellationToken);
            var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            // On SQLite the turn, before passing on, reports what it wrote to the log to the checkpointer.
            return new WriteTurn(db, transaction, _turn, _checkpointer is { } checkpointer && _connection is { } connection ? () => checkpointer.Written(connection) : null);
        }
        catch
        {
            if (db is not null)
            {
                await db.DisposeAsync();
            }

            _turn?.Release();
            throw;
        }
    }

    /// <summary>
    /// Closes the write connection; the next turn opens a new one. For a database file replaced underneath a running
    /// process (the benchmark empties its database between runs), and on disposal.
    /// </summary>
    public void Reset()
    {
        _turn?.Wait();
        try
        {
            Close();
        }
        finally
        {
            _turn?.Release();
        }
    }

    /// <summary>Pages written to the log that start a checkpoint, from the next connection the gate opens (tests use fewer).</summary>
    internal int CheckpointThreshold { get; set; } = WalCheckpointer.DefaultThreshold;

    /// <summary>Tests: runs on each checkpoint's thread before it checkpoints, from the next connection the gate opens.</summary>
    internal Action? CheckpointStarting { get; set; }

    public void Dispose() => Close();

    /// <summary>
    /// Completes once no checkpoint the turns have set off is running (on PostgreSQL, at once): a collection waits for
    /// the checkpoints its writes set off, as it waited for them when they ran inside its commits.
    /// </summary>
    public Task CheckpointedAsync() => _checkpointer?.IdleAsync() ?? Task.CompletedTask;

    private void Close()
    {
        // Before the connection: a checkpoint running beside the turns finishes first.
        _checkpointer?.Dispose();
        _checkpointer = null;
        if (_connection is not null)
        {
            try
            {
                WalCheckpointer.GiveBack(_connection);
            }
            catch (SqliteException)
            {
                // A connection that can no longer run a statement is not worth pooling with any setting.
            }

            SqliteStatements.Detach(_connection);
            _connection.Dispose();
            _connection = null;
        }
    }

    private async Task<TrackerDbContext> SqliteContextAsync(PooledDbContextFactory<SqliteTrackerDbContext> pool, CancellationToken cancellationToken)
    {
        if (_connection is null)
        {
            // Opened here rather than by a context, which would close it again when disposed.
            var connection = await SqlitePragmas.OpenAsync(_contexts, cancellationToken);
            // The bulk writes' statements are prepared once on it (see SqliteStatements).
            SqliteStatements.Attach(connection);
            WalCheckpointer.TakeOver(connection);
            _checkpointer = new WalCheckpointer(connection.ConnectionString, _logger, CheckpointThreshold) { Starting = CheckpointStarting };
            _connection = connection;
        }

        var db = await pool.CreateDbContextAsync(cancellationToken);
        db.Database.SetDbConnection(_connection, contextOwnsConnection: false);
        return db;
    }
}

/// <summary>
/// An open write transaction holding the process's turn, on <see cref="Db"/>; disposing it (committed or not) disposes
/// the context, runs <c>ended</c> with the turn still held (on SQLite: the checkpointer counts what the turn wrote to the
/// log) and passes the turn on.
/// </summary>
public sealed class WriteTurn(TrackerDbContext db, IDbContextTransaction transaction, SemaphoreSlim? turn, Action? ended = null) : IAsyncDisposable
{
    private int _released;

    /// <summary>The context to write with, in the turn's transaction.</summary>
    public TrackerDbContext Db => db;

    public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.DisposeAsync();
            await db.DisposeAsync();
        }
        finally
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                try
                {
                    ended?.Invoke();
                }
                finally
                {
                    turn?.Release();
                }
            }
        }
    }
}
