using Microsoft.EntityFrameworkCore;
using Tracker.Core.Data;

namespace Tracker.Tests;

/// <summary>Both providers' migration sets describe the current model: a schema change without its two migrations fails here.</summary>
public sealed class MigrationTests
{
    [Fact]
    public void Sqlite_Migrations_Are_Current()
    {
        using var db = new SqliteTrackerDbContext(new DbContextOptionsBuilder<SqliteTrackerDbContext>().UseSqlite("Data Source=:memory:").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "run: dotnet ef migrations add NAME --context SqliteTrackerDbContext --output-dir Data/Migrations/Sqlite");
    }

    [Fact]
    public void Postgres_Migrations_Are_Current()
    {
        using var db = new PostgresTrackerDbContext(new DbContextOptionsBuilder<PostgresTrackerDbContext>().UseNpgsql("Host=localhost;Database=design").Options);

        Assert.False(db.Database.HasPendingModelChanges(), "run: dotnet ef migrations add NAME --context PostgresTrackerDbContext --output-dir Data/Migrations/Postgres");
    }
}
