using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tracker.Core.Data;

/// <summary>
/// Prepared statements kept on a long-lived SQLite connection (the write gate's), so that a bulk write that runs thousands
/// of times — a derivative block per listed page, a batch of GitHub releases — does not parse and plan its SQL each time:
/// preparing the block insert cost about 9 µs, as much as running it (0.1 s of the benchmark's collection at 10×). A
/// statement is rented while it is in use and returned reset, with its values unbound; the connection's owner finalizes
/// them before it closes the connection.
/// </summary>
internal sealed class SqliteStatements
{
    private static readonly ConditionalWeakTable<SqliteConnection, SqliteStatements> Attached = [];

    private readonly Dictionary<string, sqlite3_stmt> _idle = new(StringComparer.Ordinal);

    /// <summary>Keeps statements for <paramref name="connection"/> from now on.</summary>
    public static void Attach(SqliteConnection connection) => Attached.AddOrUpdate(connection, new SqliteStatements());

    /// <summary>Finalizes <paramref name="connection"/>'s kept statements; call before closing it.</summary>
    public static void Detach(SqliteConnection connection)
    {
        if (Attached.TryGetValue(connection, out var statements))
        {
            Attached.Remove(connection);
            foreach (var statement in statements._idle.Values)
            {
                statement.Dispose();
            }

            statements._idle.Clear();
        }
    }

    /// <summary>The statements kept for <paramref name="connection"/>, or null when it keeps none.</summary>
    public static SqliteStatements? Of(SqliteConnection connection) => Attached.TryGetValue(connection, out var statements) ? statements : null;

    /// <summary>A prepared statement for <paramref name="sql"/>, taken out of the kept ones, or null when none is idle.</summary>
    public sqlite3_stmt? Rent(string sql) => _idle.Remove(sql, out var statement) ? statement : null;

    /// <summary>Resets and unbinds a statement and keeps it for the next <see cref="Rent"/> of the same SQL.</summary>
    public void Return(string sql, sqlite3_stmt statement)
    {
        raw.sqlite3_reset(statement);
        raw.sqlite3_clear_bindings(statement);
        if (!_idle.TryAdd(sql, statement))
        {
            statement.Dispose();
        }
    }
}
