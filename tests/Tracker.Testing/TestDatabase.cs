using Microsoft.Data.Sqlite;
using Npgsql;
using Tracker.Core.Data;

namespace Tracker.Testing;

/// <summary>
/// A fresh, empty database for one test: a SQLite file in a temp folder, or a new database on the PostgreSQL server
/// named by <c>TRACKER_TEST_POSTGRES</c> (./test.sh starts one on loopback and sets it).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string PostgresVariable = "TRACKER_TEST_POSTGRES";

    private readonly string? _folder;
    private readonly string? _adminConnectionString;
    private readonly string? _databaseName;

    private TestDatabase(string provider, string connectionString, string? folder, string? admin, string? name)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _folder = folder;
        _adminConnectionString = admin;
        _databaseName = name;
    }

    public string Provider { get; }
    public string ConnectionString { get; }

    /// <summary>A folder that lives as long as the database (a content root for hosts under test).</summary>
    public string Folder => _folder ?? Path.GetTempPath();

    /// <summary>Configuration that points Tracker at this database.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Tracker:Database:Provider"] = Provider,
        ["ConnectionStrings:Tracker"] = ConnectionString,
    };

    public static Task<TestDatabase> CreateAsync(string provider) =>
        provider == DatabaseProviders.Postgres ? CreatePostgresAsync() : Task.FromResult(CreateSqlite());

    public static TestDatabase CreateSqlite()
    {
        var folder = Directory.CreateTempSubdirectory("tracker-test-").FullName;
        var cs = new SqliteConnectionStringBuilder { DataSource = Path.Combine(folder, "tracker.db"), Pooling = false }.ToString();
        return new TestDatabase(DatabaseProviders.Sqlite, cs, folder, null, null);
    }

    public static async Task<TestDatabase> CreatePostgresAsync()
    {
        var admin = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            throw new InvalidOperationException(
                $"{PostgresVariable} is not set. PostgreSQL data tests need a server: run ./test.sh, which starts one on loopback, "
                + $"or set {PostgresVariable}=Host=127.0.0.1;Port=…;Username=postgres");
        }

        var name = "tracker_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        var cs = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ToString();
        var folder = Directory.CreateTempSubdirectory("tracker-test-").FullName;
        return new TestDatabase(DatabaseProviders.Postgres, cs, folder, admin, name);
    }

    /// <summary>
    /// Empties the database as if it were new (SQLite: the file is deleted; PostgreSQL: the database is dropped and created
    /// again, same name). Pooled connections are cleared; the schema must be migrated again before use.
    /// </summary>
    public async Task ResetAsync()
    {
        if (_adminConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE {_databaseName}", connection);
            await create.ExecuteNonQueryAsync();
            return;
        }

        SqliteConnection.ClearAllPools();
        var file = new SqliteConnectionStringBuilder(ConnectionString).DataSource;
        foreach (var path in new[] { file, file + "-wal", file + "-shm", file + "-journal" })
        {
            File.Delete(path);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_adminConnectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        if (_folder is not null)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A host under test may still hold a file for a moment; the temp folder is cleaned by the OS.
            }
        }
    }
}
