using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Tracker.Core.Data;

/// <summary>
/// Gives this process's write transactions on SQLite one turn at a time. SQLite admits one writer anyway: without the
/// gate, the collection's writers (model pages, the derivative and GitHub writers, the ETag cache) collided in
/// <c>BEGIN IMMEDIATE</c> and slept in SQLite's busy handler, in steps of up to 100 ms, long after the lock was free;
/// in the gate's queue the next writer starts the moment the previous one commits. On PostgreSQL, which takes many
/// writers, it only opens the transaction. Writes elsewhere (another process, the web app's own) still meet the lock
/// and wait in <c>busy_timeout</c> (see <see cref="SqlitePragmas"/>).
/// </summary>
public sealed class WriteGate(DatabaseOptions options)
{
    private readonly SemaphoreSlim? _turn = string.Equals(options?.Provider, DatabaseProviders.Sqlite, StringComparison.OrdinalIgnoreCase) ? new(1, 1) : null;

    /// <summary>Waits for this process's turn to write, then opens <paramref name="db"/>'s connection and begins a transaction.</summary>
    public async Task<WriteTurn> BeginAsync(TrackerDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (_turn is not null)
        {
            await _turn.WaitAsync(cancellationToken);
        }

        try
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            return new WriteTurn(await db.Database.BeginTransactionAsync(cancellationToken), _turn);
        }
        catch
        {
            _turn?.Release();
            throw;
        }
    }
}

/// <summary>An open write transaction holding the process's turn; disposing it (committed or not) passes the turn on.</summary>
public sealed class WriteTurn(IDbContextTransaction transaction, SemaphoreSlim? turn) : IAsyncDisposable
{
    private int _released;

    public DbTransaction DbTransaction => transaction.GetDbTransaction();

    public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await transaction.DisposeAsync();
        }
        finally
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn?.Release();
            }
        }
    }
}
