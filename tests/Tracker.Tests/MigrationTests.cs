using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

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

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Upgrading_keeps_bases_already_listed_incremental_and_their_children(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, new Uri("http://127.0.0.1:9/"));
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync("ClaimNotes");

        // At the old schema, where the lineage state was read from the children: one base listed, one still owed its pass.
        var at = new DateTime(2026, 11, 20, 8, 0, 0, DateTimeKind.Utc);
        var newest = new DateTime(2026, 11, 19, 23, 59, 58, DateTimeKind.Utc);
        foreach (var (repo, synced) in new[] { ("Qwen/Listed", (DateTime?)at), ("Qwen/Owed", null) })
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Models" ("Source", "RepoId", "RepoKey", "Author", "FamilyId", "FirstSeenAt", "LastSeenAt", "LineageSyncedAt")
                VALUES ('huggingface', {repo}, {repo.ToLowerInvariant()}, 'Qwen', 'qwen', {at}, {at}, {synced})
                """);
        }

        var ids = await db.Database.SqlQuery<long>($"""SELECT "Id" AS "Value" FROM "Models" ORDER BY "RepoKey" """).ToListAsync();
        foreach (var (baseId, child, created) in new[] { (ids[0], "a/one", (DateTime?)newest.AddDays(-9)), (ids[0], "a/two", newest), (ids[0], "a/three", null), (ids[1], "b/one", newest) })
        {
            await db.Database.ExecuteSqlAsync($"""
                INSERT INTO "Derivatives" ("BaseModelId", "RepoId", "RepoKey", "CreatedAt", "FirstSeenAt", "LastSeenAt")
                VALUES ({baseId}, {child}, {child}, {created}, {at}, {at})
                """);
        }

        var firstSeen = at.AddDays(-1).AddTicks(1234560); // whole microseconds, as PostgreSQL keeps them
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "Derivatives" ("BaseModelId", "RepoId", "RepoKey", "Relation", "CreatedAt", "Downloads30d", "DownloadsAllTime", "Likes", "FirstSeenAt", "LastSeenAt")
            VALUES ({ids[0]}, 'c/Four "q"', 'c/four "q"', 'quantized', {newest.AddDays(-1)}, NULL, {12L}, {3L}, {firstSeen}, {at})
            """);

        await migrator.MigrateAsync();

        // The children already stored are the blocks' children, as they were.
        var children = await DerivativeBlocks.ReadAsync(db, db.Models.Select(m => m.Id), CancellationToken.None);
        Assert.Equal(["a/one", "a/three", "a/two", "b/one", "c/four \"q\""], children.Select(c => c.RepoKey).Order(StringComparer.Ordinal));
        var four = children.Single(c => c.RepoKey.StartsWith("c/", StringComparison.Ordinal));
        Assert.Equal((ids[0], "c/Four \"q\"", "quantized"), (four.BaseModelId, four.RepoId, four.Relation));
        Assert.Null(four.Downloads30d);
        Assert.Equal((12L, 3L), (four.DownloadsAllTime!.Value, four.Likes!.Value));
        Assert.Equal((newest.AddDays(-1), firstSeen, at), (four.CreatedAt!.Value, four.FirstSeenAt, four.LastSeenAt));
        Assert.Null(children.Single(c => c.RepoKey == "a/three").CreatedAt);
        Assert.Equal(newest.AddDays(-9), children.Single(c => c.RepoKey == "a/one").CreatedAt);
        Assert.Equal(ids[1], children.Single(c => c.RepoKey == "b/one").BaseModelId);

        var state = await db.Models.AsNoTracking().OrderBy(m => m.RepoKey).Select(m => new { m.LineageKnown, m.LineageNewestAt }).ToListAsync();
        Assert.Equal(4, state[0].LineageKnown);
        Assert.Equal(newest, state[0].LineageNewestAt!.Value.ToUniversalTime());
        Assert.Null(state[1].LineageKnown);
        Assert.Null(state[1].LineageNewestAt);
    }
}
