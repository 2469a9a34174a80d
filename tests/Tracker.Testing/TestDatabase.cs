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
        await AdminAsync(admin, $"CREATE DATABASE {name}");

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
            await AdminAsync(_adminConnectionString, DropStatement, $"CREATE DATABASE {_databaseName}");
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
            await AdminAsync(_adminConnectionString, DropStatement);
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

    private string DropStatement => $"DROP DATABASE IF EXISTS {_databaseName} WITH (FORCE)";

    /// <summary>Runs statements on the PostgreSQL server's admin connection (databases are created and dropped there).</summary>
    private static async Task AdminAsync(string admin, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync();
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
