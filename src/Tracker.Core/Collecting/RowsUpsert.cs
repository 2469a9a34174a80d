using System.Buffers;
using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
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
/// <item>PostgreSQL: up to <see cref="MaxRows"/> rows as one JSON parameter, unpacked by <c>json_array_elements</c>: one
/// round trip per hundred rows, one parameter to bind.</item>
/// </list>
/// </summary>
internal abstract class RowsUpsert : IAsyncDisposable
{
    /// <summary>
    /// Rows per PostgreSQL statement. Small enough that the JSON text (about 350 bytes a row, twice that as a .NET string)
    /// stays under the large-object heap's 85,000 bytes: large strings are collected only in full collections.
    /// </summary>
    public const int MaxRows = 100;

    protected RowsUpsert(RowType[] types) => Types = types;

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
            : new JsonRowsUpsert(connection, transaction.GetDbTransaction(), insert, select, conflict, types);
    }

    /// <summary>What the statement's <c>RETURNING</c> id and key give back, row by row, as rows are written.</summary>
    protected Action<long, string>? Returned { get; private set; }

    /// <summary>A value the select list refers to by name (e.g. <c>@now</c>).</summary>
    public abstract RowsUpsert With(string name, object? value);

    /// <summary>For a statement ending <c>RETURNING "Id", key</c>: calls <paramref name="returned"/> with each row's id and key.</summary>
    public RowsUpsert Returning(Action<long, string> returned)
    {
        Returned = returned;
        return this;
    }

    /// <summary>Adds a row (it may be written at once, or with the next <see cref="MaxRows"/>).</summary>
    public abstract ValueTask AddAsync(object?[] row, CancellationToken cancellationToken);

    /// <summary>Writes the rows added since the last flush; returns how many.</summary>
    public abstract Task<int> FlushAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>The text Microsoft.Data.Sqlite binds for a DateTime, so comparisons with EF-written rows hold.</summary>
    protected const string SqliteTimestamp = @"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF";

    protected const string IsoDate = @"yyyy\-MM\-dd";

    protected static ArgumentException Unsupported(object value, RowType type) => new($"a {value.GetType().Name} cannot go in a {type} column");
}

/// <summary>SQLite: a prepared statement stepped once per row through SQLitePCL, on the connection's own handle.</summary>
internal sealed class SqliteRowsUpsert : RowsUpsert
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
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
        Check(raw.sqlite3_prepare_v3(_db, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
        _columns = [.. columns.Select(c => raw.sqlite3_bind_parameter_index(_statement, (string)c))];
    }

    public override RowsUpsert With(string name, object? value)
    {
        var index = raw.sqlite3_bind_parameter_index(_statement, name);
        if (index == 0)
        {
            throw new ArgumentException($"the statement has no parameter {name}", nameof(name));
        }

        Bind(index, value, value switch { DateTime => RowType.Timestamp, DateOnly => RowType.Date, _ => RowType.Text });
        return this;
    }

    public override ValueTask AddAsync(object?[] row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        cancellationToken.ThrowIfCancellationRequested();
        for (var i = 0; i < Types.Length; i++)
        {
            Bind(_columns[i], row[i], Types[i]);
        }

        int rc;
        while ((rc = raw.sqlite3_step(_statement)) == raw.SQLITE_ROW)
        {
            Returned?.Invoke(raw.sqlite3_column_int64(_statement, 0), raw.sqlite3_column_text(_statement, 1).utf8_to_string());
        }

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
        _statement.Dispose();
        ArrayPool<byte>.Shared.Return(_utf8);
        _utf8 = [];
        return ValueTask.CompletedTask;
    }

    private void Bind(int index, object? value, RowType type)
    {
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(_statement, index),
            string s => raw.sqlite3_bind_text(_statement, index, Utf8(s)),
            long l => raw.sqlite3_bind_int64(_statement, index, l),
            int n => raw.sqlite3_bind_int64(_statement, index, n),
            bool b => raw.sqlite3_bind_int64(_statement, index, b ? 1 : 0),
            DateTime t => raw.sqlite3_bind_text(_statement, index, Format(t, SqliteTimestamp)),
            DateOnly d => raw.sqlite3_bind_text(_statement, index, Format(d, IsoDate)),
            byte[] bytes when type == RowType.Bytes => raw.sqlite3_bind_blob(_statement, index, bytes),
            _ => throw Unsupported(value, type),
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
/// PostgreSQL: <c>INSERT … SELECT … FROM json_array_elements(@rows) … ON CONFLICT …</c>, a hundred rows per statement
/// and one parameter, unpacked by the database.
/// </summary>
internal sealed class JsonRowsUpsert : RowsUpsert
{
    // Buffers are reused across upserts: a fresh 64 KB buffer per page written was a quarter of the collection's garbage.
    private static readonly ConcurrentBag<ArrayBufferWriter<byte>> Buffers = [];

    private readonly DbCommand _command;
    private readonly DbParameter _rows;
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _json;

    public JsonRowsUpsert(DbConnection connection, DbTransaction transaction, string insert, string select, string conflict, RowType[] types)
        : base(types)
    {
        _buffer = Buffers.TryTake(out var buffer) ? buffer : new ArrayBufferWriter<byte>(64 * 1024);
        _json = new Utf8JsonWriter(_buffer);
        var columns = types.Select((t, i) => (object)Column(i, t)).ToArray();
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = $"{insert}\nSELECT {string.Format(CultureInfo.InvariantCulture, select, columns)}\nFROM json_array_elements(@rows::json) AS r(value)\n{conflict}";
        _rows = _command.CreateParameter();
        _rows.ParameterName = "@rows";
        _command.Parameters.Add(_rows);
        _json.WriteStartArray();
    }

    public override RowsUpsert With(string name, object? value)
    {
        var parameter = _command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        _command.Parameters.Add(parameter);
        return this;
    }

    public override async ValueTask AddAsync(object?[] row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        _json.WriteStartArray();
        for (var i = 0; i < Types.Length; i++)
        {
            Write(row[i], Types[i]);
        }

        _json.WriteEndArray();
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

        _json.WriteEndArray();
        _json.Flush();
        _rows.Value = Encoding.UTF8.GetString(_buffer.WrittenSpan);
        if (Returned is { } returned)
        {
            await using var reader = await _command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                returned(reader.GetInt64(0), reader.GetString(1));
            }
        }
        else
        {
            await _command.ExecuteNonQueryAsync(cancellationToken);
        }

        var written = Count;
        Count = 0;
        _buffer.ResetWrittenCount();
        _json.Reset();
        _json.WriteStartArray();
        return written;
    }

    public override async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync();
        await _command.DisposeAsync();
        _buffer.ResetWrittenCount();
        Buffers.Add(_buffer);
    }

    private static string Column(int index, RowType type) => type switch
    {
        RowType.Bytes => string.Create(CultureInfo.InvariantCulture, $"decode(value ->> {index}, 'hex')"),
        _ => string.Create(CultureInfo.InvariantCulture, $"(value ->> {index})::{PostgresType(type)}"),
    };

    private static string PostgresType(RowType type) => type switch
    {
        RowType.Text => "text",
        RowType.Integer => "integer",
        RowType.BigInteger => "bigint",
        RowType.Boolean => "boolean",
        RowType.Timestamp => "timestamp with time zone",
        RowType.Date => "date",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private void Write(object? value, RowType type)
    {
        switch (value)
        {
            case null:
                _json.WriteNullValue();
                break;
            case string s:
                _json.WriteStringValue(s);
                break;
            case long l:
                _json.WriteNumberValue(l);
                break;
            case int n:
                _json.WriteNumberValue(n);
                break;
            case bool b:
                _json.WriteBooleanValue(b);
                break;
            case DateTime t:
                _json.WriteStringValue((t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).ToString(@"yyyy\-MM\-dd\THH\:mm\:ss.FFFFFFF\Z", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                // JSON has no bytes; PostgreSQL decodes hex natively.
                _json.WriteStringValue(Convert.ToHexString(bytes));
                break;
            case DateOnly d:
                _json.WriteStringValue(d.ToString(IsoDate, CultureInfo.InvariantCulture));
                break;
            default:
                throw Unsupported(value, type);
        }
    }
}
