using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Tracker.Core.Data;

/// <summary>
/// Per-connection SQLite settings. In WAL mode <c>synchronous=NORMAL</c> still keeps every committed transaction when
/// the process is killed (only a power or OS failure could lose the last ones) and stops paying an fsync per commit,
/// which a collection that commits page by page would otherwise pay thousands of times. <c>busy_timeout</c> lets a writer
/// that finds another one mid-transaction (the sources' writers run side by side) wait inside SQLite, which retries
/// within milliseconds of the lock's release, instead of failing over to Microsoft.Data.Sqlite's coarser retry loop.
/// </summary>
internal sealed class SqlitePragmas : DbConnectionInterceptor
{
    public static readonly SqlitePragmas Instance = new();

    private const string Pragmas = "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA busy_timeout=30000;";

    // These settings live as long as the native connection, which the pool keeps open across many opens (a collection
    // opens connections tens of thousands of times): each native connection is set up once.
    private readonly ConditionalWeakTable<object, object> _configured = [];

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (NeedsPragmas(connection, out var handle))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Pragmas;
            command.ExecuteNonQuery();
            Configured(handle);
        }
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (NeedsPragmas(connection, out var handle))
        {
            await ApplyAsync(connection, cancellationToken);
            Configured(handle);
        }
    }

    /// <summary>
    /// Opens a connection of its own to the app's SQLite database, set up, outside EF Core: for a connection kept open
    /// across many uses (the write gate's, the ETag cache's lookups), which a context would close again when disposed.
    /// </summary>
    public static async Task<SqliteConnection> OpenAsync(IDbContextFactory<TrackerDbContext> contexts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        string connectionString;
        await using (var db = await contexts.CreateDbContextAsync(cancellationToken))
        {
            connectionString = db.Database.GetConnectionString() ?? throw new InvalidOperationException("the SQLite context has no connection string");
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await ApplyAsync(connection, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sets up a connection: EF Core's as it opens (above), or one of <see cref="OpenAsync"/>'s.</summary>
    private static async Task ApplyAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragmas;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private bool NeedsPragmas(DbConnection connection, out object? handle)
    {
        handle = (connection as SqliteConnection)?.Handle;
        return handle is null || !_configured.TryGetValue(handle, out _);
    }

    private void Configured(object? handle)
    {
        if (handle is not null)
        {
            _configured.AddOrUpdate(handle, handle);
        }
    }
}
