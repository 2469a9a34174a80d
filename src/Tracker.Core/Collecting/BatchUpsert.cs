using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Tracker.Core.Collecting;

/// <summary>
/// Executes <c>INSERT … VALUES (…), (…) … ON CONFLICT …</c> over many rows with commands that are built and prepared
/// once and re-executed with new values. The rows per statement depend on the provider: Microsoft.Data.Sqlite binds
/// named parameters by a linear search, so a statement of N parameters costs N² comparisons per execution — on SQLite a
/// one-row statement re-executed inside the transaction is the cheap shape; PostgreSQL pays a round trip per execution,
/// so there many rows go in each.
/// </summary>
internal sealed class BatchUpsert(DbConnection connection, DbTransaction transaction, string head, string rowTemplate, string tail, int columns, bool sqlite)
    : IAsyncDisposable
{
    private readonly int _rowsPerStatement = sqlite ? 1 : 50;
    private readonly List<object?[]> _buffer = [];
    private readonly Dictionary<int, DbCommand> _commands = [];
    private readonly List<(string Name, object? Value)> _shared = [];

    /// <summary>A value every row refers to by name in the row template (e.g. <c>@day</c>).</summary>
    public BatchUpsert With(string name, object? value)
    {
        _shared.Add((name, value));
        return this;
    }

    public async Task AddAsync(object?[] row, CancellationToken cancellationToken)
    {
        _buffer.Add(row);
        if (_buffer.Count == _rowsPerStatement)
        {
            await ExecuteAsync(cancellationToken);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Count > 0)
        {
            await ExecuteAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in _commands.Values)
        {
            await command.DisposeAsync();
        }
    }

    private async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        var command = _commands.TryGetValue(_buffer.Count, out var built) ? built : _commands[_buffer.Count] = Build(_buffer.Count);
        for (var r = 0; r < _buffer.Count; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                command.Parameters[_shared.Count + (r * columns) + c].Value = _buffer[r][c] ?? DBNull.Value;
            }
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
        _buffer.Clear();
    }

    private DbCommand Build(int rows)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        foreach (var (name, value) in _shared)
        {
            Add(command, name, value);
        }

        var sql = new StringBuilder(head).Append('\n');
        for (var r = 0; r < rows; r++)
        {
            var names = new object[columns];
            for (var c = 0; c < columns; c++)
            {
                names[c] = string.Create(CultureInfo.InvariantCulture, $"@r{r}c{c}");
                Add(command, (string)names[c], null);
            }

            sql.Append(r == 0 ? "(" : ",\n(").Append(string.Format(CultureInfo.InvariantCulture, rowTemplate, names)).Append(')');
        }

        command.CommandText = sql.Append('\n').Append(tail).ToString();
        return command;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }
}
