using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace Tracker.Core.Data;

/// <summary>Creates the database (the SQLite file and its folder, in WAL mode) and applies the provider's migrations.</summary>
public sealed partial class DatabaseMigrator(IDbContextFactory<TrackerDbContext> contexts, ILogger<DatabaseMigrator> logger)
{
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            var file = new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource;
            if (!string.IsNullOrEmpty(file) && file != ":memory:" && Path.GetDirectoryName(file) is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
            }
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets the dashboard read while a collection writes; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        Log.Migrated(logger, db.Database.ProviderName ?? "?");
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Database ready ({Provider})")]
        public static partial void Migrated(ILogger logger, string provider);
    }
}
