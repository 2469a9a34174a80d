using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Data;
using Tracker.Core.Sources.GitHub;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>GitHub's ETag cache as the app keeps it: in the database, read through one kept connection on SQLite.</summary>
public sealed class HttpCacheStoreTests
{
    // Nothing is fetched here: the hosts only give the database and the store.
    private static readonly Uri NoHub = new("http://127.0.0.1:9/");

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Stored_entries_are_read_back_as_stored_and_survive_a_restart(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        byte[] first = [0, 1, 2, 255, 0, .. "\"etag\" \u4e2d"u8];
        byte[] second = [.. Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7))];
        using (var host = await CoreHost.StartAsync(database, NoHub))
        {
            var store = host.Services.GetRequiredService<IHttpCacheStore>();
            Assert.Null(await store.GetAsync("GET https://api.github.com/repos/a/b", CancellationToken.None));

            await store.SetAsync("GET https://api.github.com/repos/a/b", first, CancellationToken.None);
            await store.SetAsync("GET https://api.github.com/repos/a/c", first, CancellationToken.None);
            await store.SetAsync("GET https://api.github.com/repos/a/c", second, CancellationToken.None); // the last value set wins
            await store.FlushAsync(CancellationToken.None);

            // Read from the table now, not from the entries still pending.
            Assert.Equal(first, await store.GetAsync("GET https://api.github.com/repos/a/b", CancellationToken.None));
            Assert.Equal(second, await store.GetAsync("GET https://api.github.com/repos/a/c", CancellationToken.None));
            Assert.Null(await store.GetAsync("GET https://api.github.com/repos/a/B", CancellationToken.None));
        }

        using var restarted = await CoreHost.StartAsync(database, NoHub);
        var again = restarted.Services.GetRequiredService<IHttpCacheStore>();
        Assert.Equal(first, await again.GetAsync("GET https://api.github.com/repos/a/b", CancellationToken.None));
        Assert.Equal(second, await again.GetAsync("GET https://api.github.com/repos/a/c", CancellationToken.None));
    }

    [Fact]
    public async Task A_failed_lookup_is_reported_and_the_next_one_succeeds()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var store = (DbHttpCacheStore)host.Services.GetRequiredService<IHttpCacheStore>();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        await store.SetAsync("k", [1, 2, 3], CancellationToken.None);
        await store.FlushAsync(CancellationToken.None);
        Assert.Equal([1, 2, 3], await store.GetAsync("k", CancellationToken.None));

        // The table gone under the kept connection's prepared statement: the error reaches the caller.
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("""ALTER TABLE "HttpCache" RENAME TO "HttpCacheAway" """);
        }

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => store.GetAsync("k", CancellationToken.None));

        await using (var db = await contexts.CreateDbContextAsync())
        {
            await db.Database.ExecuteSqlRawAsync("""ALTER TABLE "HttpCacheAway" RENAME TO "HttpCache" """);
        }

        Assert.Equal([1, 2, 3], await store.GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task After_a_reset_lookups_read_the_new_database_file()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var store = (DbHttpCacheStore)host.Services.GetRequiredService<IHttpCacheStore>();
        await store.SetAsync("k", [1, 2, 3], CancellationToken.None);
        await store.FlushAsync(CancellationToken.None);
        Assert.NotNull(await store.GetAsync("k", CancellationToken.None));

        // The file replaced underneath (as the benchmark does between runs): a kept connection would still read the old one.
        host.Services.GetRequiredService<WriteGate>().Reset();
        store.Reset();
        await database.ResetAsync();
        await host.Services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

        Assert.Null(await store.GetAsync("k", CancellationToken.None));
    }

    [Fact]
    public async Task An_entry_is_stored_without_a_flush_once_the_gathering_time_has_passed()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var store = host.Services.GetRequiredService<IHttpCacheStore>();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();

        await store.SetAsync("k", [7], CancellationToken.None);

        // One entry is short of a transaction's worth: it waits for others, then is written alone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var stored = 0;
        while (stored == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            await using var db = await contexts.CreateDbContextAsync();
            stored = await db.HttpCache.CountAsync();
        }

        Assert.Equal(1, stored);
    }
}
