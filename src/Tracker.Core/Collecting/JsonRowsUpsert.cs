using System.Buffers;
using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>The type of a column carried by <see cref="JsonRowsUpsert"/>: how it is written to JSON and read back in SQL.</summary>
internal enum RowType
{
    Text,
    Integer,
    BigInteger,
    Boolean,
    Timestamp,
    Date,

    /// <summary>Bytes, carried as hexadecimal text (JSON has no bytes; both databases decode hex natively).</summary>
    Bytes,
}

/// <summary>
/// <c>INSERT … SELECT … FROM</c> the rows of one JSON parameter <c>… ON CONFLICT …</c>: a whole page of rows is one
/// statement with one parameter, unpacked by the database's own JSON functions (SQLite <c>json_each</c>, PostgreSQL
/// <c>json_array_elements</c>). Per-row statements spent most of the collection's storage time binding parameters one by
/// one (Microsoft.Data.Sqlite looks each named parameter up per execution); many-row VALUES statements bind a parameter
/// per value. Values keep each provider's own storage format (SQLite: the text Microsoft.Data.Sqlite writes for dates),
/// so rows written here read back exactly like rows written by EF Core.
/// </summary>
internal sealed class JsonRowsUpsert : IAsyncDisposable
{
    /// <summary>
    /// Rows per statement. Small enough that the JSON text (about 350 bytes a row, twice that as a .NET string) stays
    /// under the large-object heap's 85,000 bytes: large strings are collected only in full collections, and two million
    /// derivatives' worth of them grew the collection's working set by hundreds of megabytes.
    /// </summary>
    public const int MaxRows = 100;

    private readonly DbCommand _command;
    private readonly DbParameter _rows;
    private readonly RowType[] _types;
    private readonly bool _sqlite;
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json;
    private int _count;

    /// <param name="connection">An open connection.</param>
    /// <param name="transaction">The transaction every statement runs in.</param>
    /// <param name="insert">The <c>INSERT INTO "T" (…)</c> head.</param>
    /// <param name="select">The select list, with <c>{0}</c>, <c>{1}</c>, … standing for the row's columns and named parameters for shared values.</param>
    /// <param name="conflict">The <c>ON CONFLICT …</c> tail.</param>
    /// <param name="types">Each row column's type, in order.</param>
    /// <param name="sqlite">SQLite (else PostgreSQL).</param>
    private JsonRowsUpsert(DbConnection connection, DbTransaction transaction, string insert, string select, string conflict, RowType[] types, bool sqlite)
    {
        _types = types;
        _sqlite = sqlite;
        _json = new Utf8JsonWriter(_buffer);
        var columns = types.Select((t, i) => (object)Column(i, t, sqlite)).ToArray();
        // SQLite needs the WHERE: without it, "ON CONFLICT" would parse as the join constraint of the FROM clause.
        var from = sqlite ? "json_each(@rows) WHERE true" : "json_array_elements(@rows::json) AS r(value)";
        _command = connection.CreateCommand();
        _command.Transaction = transaction;
        _command.CommandText = $"{insert}\nSELECT {string.Format(CultureInfo.InvariantCulture, select, columns)}\nFROM {from}\n{conflict}";
        _rows = _command.CreateParameter();
        _rows.ParameterName = "@rows";
        _command.Parameters.Add(_rows);
        _json.WriteStartArray();
    }

    /// <summary>Statements on <paramref name="db"/>'s connection, in its current transaction.</summary>
    public static JsonRowsUpsert On(TrackerDbContext db, string insert, string select, string conflict, RowType[] types)
    {
        ArgumentNullException.ThrowIfNull(db);
        var transaction = db.Database.CurrentTransaction ?? throw new InvalidOperationException("JsonRowsUpsert needs an open transaction");
        return new JsonRowsUpsert(db.Database.GetDbConnection(), transaction.GetDbTransaction(), insert, select, conflict, types, db.Database.IsSqlite());
    }

    /// <summary>A value the select list refers to by name (e.g. <c>@now</c>).</summary>
    public JsonRowsUpsert With(string name, object? value)
    {
        var parameter = _command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        _command.Parameters.Add(parameter);
        return this;
    }

    public async Task AddAsync(object?[] row, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(row);
        _json.WriteStartArray();
        for (var i = 0; i < _types.Length; i++)
        {
            Write(row[i], _types[i]);
        }

        _json.WriteEndArray();
        if (++_count == MaxRows)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Writes the rows added since the last flush; returns how many.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        if (_count == 0)
        {
            return 0;
        }

        _json.WriteEndArray();
        _json.Flush();
        _rows.Value = Encoding.UTF8.GetString(_buffer.WrittenSpan);
        await _command.ExecuteNonQueryAsync(cancellationToken);
        var written = _count;
        _count = 0;
        _buffer.ResetWrittenCount();
        _json.Reset();
        _json.WriteStartArray();
        return written;
    }

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync();
        await _command.DisposeAsync();
    }

    private static string Column(int index, RowType type, bool sqlite) => (sqlite, type) switch
    {
        (true, RowType.Bytes) => string.Create(CultureInfo.InvariantCulture, $"unhex(json_extract(value, '$[{index}]'))"),
        (true, _) => string.Create(CultureInfo.InvariantCulture, $"json_extract(value, '$[{index}]')"),
        (false, RowType.Bytes) => string.Create(CultureInfo.InvariantCulture, $"decode(value ->> {index}, 'hex')"),
        (false, _) => string.Create(CultureInfo.InvariantCulture, $"(value ->> {index})::{PostgresType(type)}"),
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
            case bool b when _sqlite:
                // SQLite stores booleans as 0/1 (json_extract would turn true into 1 as well; this keeps it explicit).
                _json.WriteNumberValue(b ? 1 : 0);
                break;
            case bool b:
                _json.WriteBooleanValue(b);
                break;
            case DateTime t:
                _json.WriteStringValue(_sqlite
                    // Exactly the text Microsoft.Data.Sqlite binds for a DateTime, so comparisons with EF-written rows hold.
                    ? t.ToString(@"yyyy\-MM\-dd HH\:mm\:ss.FFFFFFF", CultureInfo.InvariantCulture)
                    : (t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : t).ToString(@"yyyy\-MM\-dd\THH\:mm\:ss.FFFFFFF\Z", CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                _json.WriteStringValue(Convert.ToHexString(bytes));
                break;
            case DateOnly d:
                _json.WriteStringValue(d.ToString(@"yyyy\-MM\-dd", CultureInfo.InvariantCulture));
                break;
            default:
                throw new ArgumentException($"a {value.GetType().Name} cannot go in a {type} column");
        }
    }
}
