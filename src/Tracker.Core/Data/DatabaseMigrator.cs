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

        if (db.Database.IsSqlite())
        {
            // On the connection the migrations then use: page_size takes effect only while the file is still empty (before
            // the first CREATE TABLE) and is ignored by existing files. 16 KB pages cut a bulk write's CPU by a quarter
            // against the default 4 KB (two million derivatives: 10.1 s to 7.5 s in a standalone test): fewer pages to
            // split, checksum and write to the WAL, one system call per 16 KB instead of per 4 KB.
            await db.Database.OpenConnectionAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync("PRAGMA page_size=16384;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets the dashboard read while a collection writes; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
            await db.Database.CloseConnectionAsync();
        }

        Log.Migrated(logger, db.Database.ProviderName ?? "?");
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Database ready ({Provider})")]
        public static partial void Migrated(ILogger logger, string provider);
    }
}
