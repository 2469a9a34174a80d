using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;
using SQLitePCL;
using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>The type of a column carried by <see cref="RowsUpsert"/>: how it is bound and read back in SQL.</summary>
internal enum RowType
{
    Text,
    Integer,
    BigInteger,
    Boolean,
    Timestamp,
    Date,
    Bytes,
}

/// <summary>
/// Bulk <c>INSERT … ON CONFLICT …</c> of many rows, the fastest way each database offers, for the collection's big
/// writes (two million derivatives at 10× the benchmark's ecosystem). Values keep each provider's own storage format
/// (SQLite: the text Microsoft.Data.Sqlite writes for dates), so rows written here read back exactly like rows written by
/// EF Core.
/// <list type="bullet">
/// <item>SQLite: one statement prepared once, a row bound straight from its values (UTF-8 encoded into a reused buffer)
/// and stepped as it is added. SQLite runs in-process, so a statement per row costs no round trip; binding through
/// Microsoft.Data.Sqlite would look every parameter up by name and allocate a UTF-8 copy per value, and carrying the rows
/// as JSON text made SQLite parse each row once per column.</item>
/// <item>PostgreSQL: up to <see cref="MaxRows"/> rows a statement, each column one typed array unpacked by <c>unnest</c>:
/// one round trip per batch, binary values (carrying the rows as JSON text cost both sides formatting and parsing).</item>
/// </list>
/// </summary>
internal abstract class RowsUpsert : IAsyncDisposable
{
    /// <summary>Rows per PostgreSQL statement: few round trips, and each column's array stays a small object.</summary>
    public const int MaxRows = 1000;

    protected RowsUpsert(RowType[] types)
    {
        if (types.Length > 64)
        {
            throw new ArgumentException("at most 64 columns", nameof(types));
        }

        Types = types;
    }

    protected RowType[] Types { get; }

    /// <summary>Rows added since the last flush.</summary>
    protected int Count { get; set; }

    /// <summary>
    /// Statements on <paramref name="db"/>'s connection, in its current transaction.
    /// </summary>
    /// <param name="db">A context with an open transaction.</param>
    /// <param name="insert">The <c>INSERT INTO "T" (…)</c> head.</param>
    /// <param name="select">The row's value list, with <c>{0}</c>, <c>{1}</c>, … standing for its columns and named parameters for shared values.</param>
    /// <param name="conflict">The <c>ON CONFLICT …</c> tail.</param>
    /// <param name="types">Each row column's type, in order.</param>
    public static RowsUpsert On(TrackerDbContext db, string insert, string select, string conflict, RowType[] types)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("RowsUpsert needs an open transaction");
        var connection = db.Database.GetDbConnection();
        return connection is SqliteConnection sqlite
            ? new SqliteRowsUpsert(sqlite, insert, select, conflict, types)
            : new ArrayRowsUpsert((NpgsqlConnection)connection, (NpgsqlTransaction?)transaction.GetDbTransaction(), insert, select, conflict, types);
    }

    /// <summary>A value the select list refers to by name (e.g. <c>@now</c>).</summary>
    public abstract RowsUpsert With(string name, object? value);

    /// <summary>Adds a row (it may be written at once, or with the next <see cref="MaxRows"/>).</summary>
    public abstract ValueTask AddAsync(object?[] row, CancellationToken cancellationToken);

    /// <summary>Writes the rows added since the last flush; returns how many.</summary>
    public abstract Task<int> FlushAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>A row's value must be null or of its column's type, on either database.</summary>
    protected static void CheckColumn(object? value, RowType type)
    {
        var fits = (type, value) switch
        {
            (_, null) or (RowType.Text, string) or (RowType.Integer, int) or (RowType.BigInteger, long or int) or (RowType.Boolean, bool)
                or (RowType.Timestamp, DateTime) or (RowType.Date, DateOnly) or (RowType.Bytes, byte[] or ReadOnlyMemory<byte>) => true,
            _ => false,
        };
        if (!fits)
        {
            throw new ArgumentException($"a {value!.GetType().Name} cannot go in a {type} column");
        }
    }
}

/// <summary>SQLite: a prepared statement stepped once per row through SQLitePCL, on the connection's own handle.</summary>
internal sealed class SqliteRowsUpsert : RowsUpsert
{
    private const string IsoDate = @"yyyy\-MM\-dd";

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    // The connection's kept statements (the write gate's connection keeps them), and the SQL this one is kept under.
    private readonly SqliteStatements? _kept;
    private readonly string _sql;
    private readonly int[] _columns;
    private byte[] _utf8 = ArrayPool<byte>.Shared.Rent(1024);

    public SqliteRowsUpsert(SqliteConnection connection, string insert, string select, string conflict, RowType[] types)
        : base(types)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("the connection is not open");
        // Row columns are named too (@c0, @c1, …) and their indexes looked up once: mixing numbered and named parameters
        // would let a named one take a numbered one's slot.
        var columns = Enumerable.Range(0, types.Length).Select(i => (object)string.Create(CultureInfo.InvariantCulture, $"@c{i}")).ToArray();
        var sql = $"{insert}\nVALUES ({string.Format(CultureInfo.InvariantCulture, select, columns)})\n{conflict}";
        _sql = sql;
        _kept = SqliteStatements.Of(connection);
        if (_kept?.Rent(sql) is { } kept)
        {
            _statement = kept;
        }
        else
        {
            Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
        }

        _columns = [.. columns.Select(c => raw.sqlite3_bind_parameter_index(_statement, (string)c))];
    }

    public override RowsUpsert With(string name, object? value)
    {
        var index = raw.sqlite3_bind_parameter_index(_statement, name);
        if (index == 0)
        {
            throw new ArgumentException($"the statement has no parameter {name}", nameof(name));
        }

        Bind(index, value);
        return this;
    }

    public override ValueTask AddAsync(object?[] row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        for (var i = 0; i < Types.Length; i++)
        {
            CheckColumn(row[i], Types[i]);
            Bind(_columns[i], row[i]);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE)
        {
            Check(rc);
        }

        Count++;
        return ValueTask.CompletedTask;
    }

    public override Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var written = Count;
        Count = 0;
        return Task.FromResult(written);
    }

    public override ValueTask DisposeAsync()
    {
        if (_kept is null)
        {
            _statement.Dispose();
        }
        else
        {
            _kept.Return(_sql, _statement);
        }

        ArrayPool<byte>.Shared.Return(_utf8);
        _utf8 = [];
        return ValueTask.CompletedTask;
    }

    private void Bind(int index, object? value)
    {
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(_statement, index),
            string s => raw.sqlite3_bind_text(_statement, index, Utf8(s)),
            long l => raw.sqlite3_bind_int64(_statement, index, l),
            int n => raw.sqlite3_bind_int64(_statement, index, n),
            bool b => raw.sqlite3_bind_int64(_statement, index, b ? 1 : 0),
            DateTime t => raw.sqlite3_bind_text(_statement, index, Timestamp(t)),
            DateOnly d => raw.sqlite3_bind_text(_statement, index, Format(d, IsoDate)),
            byte[] bytes => raw.sqlite3_bind_blob(_statement, index, bytes),
            ReadOnlyMemory<byte> bytes => raw.sqlite3_bind_blob(_statement, index, bytes.Span), // SQLite copies it: the caller's buffer may be reused
            _ => throw new ArgumentException($"a {value.GetType().Name} cannot be bound", nameof(value)),
        };
        Check(rc);
    }

    private ReadOnlySpan<byte> Utf8(string s)
    {
        var max = Encoding.UTF8.GetMaxByteCount(s.Length);
        if (_utf8.Length < max)
        {
            ArrayPool<byte>.Shared.Return(_utf8);
            _utf8 = ArrayPool<byte>.Shared.Rent(max);
        }

        return _utf8.AsSpan(0, Encoding.UTF8.GetBytes(s, _utf8));
    }

    /// <summary>
    /// A DateTime as Microsoft.Data.Sqlite writes it (<c>yyyy-MM-dd HH:mm:ss.FFFFFFF</c>: the fraction without its trailing
    /// zeros, and without its point when it is zero), so dates written here compare as text with dates EF Core writes.
    /// By hand rather than through a custom format string, which DateTime parses again for every value: this runs for
    /// every derivative.
    /// </summary>
    internal static int FormatTimestamp(DateTime value, Span<byte> utf8)
    {
        Digits(utf8[..4], value.Year);
        utf8[4] = (byte)'-';
        Digits(utf8.Slice(5, 2), value.Month);
        utf8[7] = (byte)'-';
        Digits(utf8.Slice(8, 2), value.Day);
        utf8[10] = (byte)' ';
        Digits(utf8.Slice(11, 2), value.Hour);
        utf8[13] = (byte)':';
        Digits(utf8.Slice(14, 2), value.Minute);
        utf8[16] = (byte)':';
        Digits(utf8.Slice(17, 2), value.Second);
        var fraction = (int)(value.Ticks % TimeSpan.TicksPerSecond);
        if (fraction == 0)
        {
            return 19;
        }

        var length = 7;
        while (fraction % 10 == 0)
        {
            fraction /= 10;
            length--;
        }

        utf8[19] = (byte)'.';
        Digits(utf8.Slice(20, length), fraction);
        return 20 + length;

        static void Digits(Span<byte> into, int number)
        {
            for (var i = into.Length - 1; i >= 0; i--)
            {
                into[i] = (byte)('0' + (number % 10));
                number /= 10;
            }
        }
    }

    private ReadOnlySpan<byte> Timestamp(DateTime value) => _utf8.AsSpan(0, FormatTimestamp(value, _utf8));

    private ReadOnlySpan<byte> Format<T>(T value, string format)
        where T : IUtf8SpanFormattable
    {
        if (!value.TryFormat(_utf8, out var written, format, CultureInfo.InvariantCulture))
        {
            throw new FormatException($"{value} does not fit the buffer");
        }

        return _utf8.AsSpan(0, written);
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}

/// <summary>
/// PostgreSQL: <c>INSERT … SELECT … FROM unnest(@c0, @c1, …) … ON CONFLICT …</c>, up to <see cref="RowsUpsert.MaxRows"/>
/// rows per statement, each column one typed array parameter sent in the binary protocol: one round trip per batch,
/// nothing to format or parse as text on either side.
/// </summary>
internal sealed class ArrayRowsUpsert : RowsUpsert
{
    private readonly NpgsqlCommand _command;
    private readonly NpgsqlParameter[] _columns;
    private readonly List<object?>[] _values;

    public ArrayRowsUpsert(NpgsqlConnection connection, NpgsqlTransaction? transaction, string insert, string select, string conflict, RowType[] types)
        : base(types)
    {
        var names = Enumerable.Range(0, types.Length).Select(i => string.Create(CultureInfo.InvariantCulture, $"c{i}")).ToArray();
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = $"{insert}\nSELECT {string.Format(CultureInfo.InvariantCulture, select, names.Cast<object>().ToArray())}\n"
            + $"FROM unnest({string.Join(", ", names.Select(n => "@" + n))}) AS r({string.Join(", ", names)})\n{conflict}";
        _columns = [.. types.Select((t, i) => _command.Parameters.Add(new NpgsqlParameter("@" + names[i], NpgsqlDbType.Array | DbType(t))))];
        _values = [.. types.Select(_ => new List<object?>(MaxRows))];
    }

    public override RowsUpsert With(string name, object? value)
    {
        _command.Parameters.AddWithValue(name, value is DateTime t ? UtcTime.Of(t) : value ?? DBNull.Value);
        return this;
    }

    public override async ValueTask AddAsync(object?[] row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        for (var i = 0; i < Types.Length; i++)
        {
            CheckColumn(row[i], Types[i]);
            _values[i].Add(row[i] switch
            {
                DateTime t => UtcTime.Of(t),
                ReadOnlyMemory<byte> bytes => bytes.ToArray(), // copied: the caller's buffer may be reused once the row is added
                var value => value,
            });
        }

        await AppendedAsync(cancellationToken);
    }

    private async ValueTask AppendedAsync(CancellationToken cancellationToken)
    {
        if (++Count == MaxRows)
        {
            await FlushAsync(cancellationToken);
        }
    }

    public override async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        if (Count == 0)
        {
            return 0;
        }

        for (var i = 0; i < Types.Length; i++)
        {
            _columns[i].Value = Array(Types[i], _values[i]);
            _values[i].Clear();
        }

        await _command.ExecuteNonQueryAsync(cancellationToken);

        var written = Count;
        Count = 0;
        return written;
    }

    public override async ValueTask DisposeAsync() => await _command.DisposeAsync();

    private static NpgsqlDbType DbType(RowType type) => type switch
    {
        RowType.Text => NpgsqlDbType.Text,
        RowType.Integer => NpgsqlDbType.Integer,
        RowType.BigInteger => NpgsqlDbType.Bigint,
        RowType.Boolean => NpgsqlDbType.Boolean,
        RowType.Timestamp => NpgsqlDbType.TimestampTz,
        RowType.Date => NpgsqlDbType.Date,
        RowType.Bytes => NpgsqlDbType.Bytea,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static Array Array(RowType type, List<object?> values) => type switch
    {
        RowType.Text => values.Select(v => (string?)v).ToArray(),
        RowType.Integer => values.Select(v => (int?)v).ToArray(),
        RowType.BigInteger => values.Select(v => v is int n ? n : (long?)v).ToArray(),
        RowType.Boolean => values.Select(v => (bool?)v).ToArray(),
        RowType.Timestamp => values.Select(v => (DateTime?)v).ToArray(),
        RowType.Date => values.Select(v => (DateOnly?)v).ToArray(),
        RowType.Bytes => values.Select(v => (byte[]?)v).ToArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
