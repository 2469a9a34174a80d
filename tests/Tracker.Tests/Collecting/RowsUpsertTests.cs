using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>The bulk upsert the collection writes its big tables with: what it writes reads back as EF Core would have written it.</summary>
public sealed class RowsUpsertTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 17, 5, 9, 123, DateTimeKind.Utc);

    // Nothing is fetched here: the hosts only give the database, its write gate and its contexts.
    private static readonly Uri NoHub = new("http://127.0.0.1:9/");

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Rows_round_trip_and_a_conflict_updates_in_place(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        var gate = host.Services.GetRequiredService<WriteGate>();

        // Third-party text with quotes, a NUL-free control character and non-ASCII; a null; the largest long.
        var hostile = "u/\"quoted\" \u4e2d\u6587 'x'; DROP TABLE \"Models\";--\t\U0001F600";
        await WriteAsync(
            [hostile, hostile.ToLowerInvariant(), "text-generation", Now.AddDays(-3), long.MaxValue, null, 0L],
            ["plain/model", "plain/model", null, null, null, 5L, 1L]);
        // Same keys again: the row is updated, not duplicated; a null pipeline tag or creation keeps what was known.
        await WriteAsync([hostile, hostile.ToLowerInvariant(), null, null, 7L, 8L, 9L]);

        await using (var db = await contexts.CreateDbContextAsync())
        {
            var rows = await db.Models.AsNoTracking().Where(m => m.Source == "test").OrderBy(m => m.RepoKey).ToListAsync();
            Assert.Equal(2, rows.Count);
            var plain = rows[0];
            Assert.Equal("plain/model", plain.RepoId);
            Assert.Null(plain.PipelineTag);
            Assert.Null(plain.CreatedAt);
            Assert.Null(plain.Downloads30d);
            Assert.Equal((5L, 1L), (plain.DownloadsAllTime!.Value, plain.Likes!.Value));
            var odd = rows[1];
            Assert.Equal(hostile, odd.RepoId);
            Assert.Equal("text-generation", odd.PipelineTag);
            Assert.Equal(Now.AddDays(-3), odd.CreatedAt!.Value.ToUniversalTime());
            Assert.Equal((7L, 8L, 9L), (odd.Downloads30d!.Value, odd.DownloadsAllTime!.Value, odd.Likes!.Value));
            Assert.Equal(Now, odd.FirstSeenAt.ToUniversalTime());

            // Dates written here compare with dates EF binds, on both providers.
            Assert.Equal(1, await db.Models.CountAsync(m => m.CreatedAt >= Now.AddDays(-3) && m.CreatedAt < Now.AddDays(-2)));
        }

        async Task WriteAsync(params object?[][] rows)
        {
            await using var transaction = await gate.BeginAsync(CancellationToken.None);
            var db = transaction.Db;
            await using (var upsert = RowsUpsert.On(db,
                """INSERT INTO "Models" ("Source", "Author", "FamilyId", "RepoId", "RepoKey", "PipelineTag", "CreatedAt", "Downloads30d", "DownloadsAllTime", "Likes", "FirstSeenAt", "LastSeenAt")""",
                "'test', 'u', 'qwen', {0}, {1}, {2}, {3}, {4}, {5}, {6}, @now, @now",
                """
                ON CONFLICT ("Source", "RepoKey") DO UPDATE SET "PipelineTag" = COALESCE(excluded."PipelineTag", "Models"."PipelineTag"),
                    "CreatedAt" = COALESCE(excluded."CreatedAt", "Models"."CreatedAt"), "Downloads30d" = excluded."Downloads30d",
                    "DownloadsAllTime" = excluded."DownloadsAllTime", "Likes" = excluded."Likes"
                """,
                [RowType.Text, RowType.Text, RowType.Text, RowType.Timestamp, RowType.BigInteger, RowType.BigInteger, RowType.BigInteger]))
            {
                upsert.With("@now", Now);
                foreach (var row in rows)
                {
                    await upsert.AddAsync(row, CancellationToken.None);
                }

                Assert.Equal(rows.Length, await upsert.FlushAsync(CancellationToken.None));
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Bytes_are_stored_as_given(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        var value = Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31)).ToArray(); // every byte value, past any small buffer
        await using (var transaction = await host.Services.GetRequiredService<WriteGate>().BeginAsync(CancellationToken.None))
        {
            var db = transaction.Db;
            await using (var upsert = RowsUpsert.On(db, """INSERT INTO "HttpCache" ("Key", "Value", "UpdatedAt")""", "{0}, {1}, @at",
                """ON CONFLICT ("Key") DO UPDATE SET "Value" = excluded."Value" """, [RowType.Text, RowType.Bytes]).With("@at", Now))
            {
                await upsert.AddAsync(["k", value], CancellationToken.None);
                await upsert.FlushAsync(CancellationToken.None);
            }

            await transaction.CommitAsync(CancellationToken.None);
        }

        await using (var db = await contexts.CreateDbContextAsync())
        {
            var entry = await db.HttpCache.SingleAsync();
            Assert.Equal(value, entry.Value);
            // A shared value named after the row's columns takes its own slot, not a column's.
            Assert.Equal(Now, entry.UpdatedAt.ToUniversalTime());
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_value_of_the_wrong_type_is_refused_before_it_is_written(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        await using var transaction = await host.Services.GetRequiredService<WriteGate>().BeginAsync(CancellationToken.None);
        var db = transaction.Db;
        await using var upsert = RowsUpsert.On(db, """INSERT INTO "DerivativeCounts" ("ModelId", "Day", "CollectedAt", "Total")""", "{0}, @day, @at, {1}",
            """ON CONFLICT ("ModelId", "Day") DO NOTHING""", [RowType.BigInteger, RowType.BigInteger])
            .With("@day", new DateOnly(2026, 11, 28)).With("@at", Now);

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await upsert.AddAsync([1L, "12"], CancellationToken.None));
        Assert.Equal("a String cannot go in a BigInteger column", error.Message);
    }

    [Fact]
    public async Task A_failing_row_on_SQLite_raises_the_database_error()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        await using var transaction = await host.Services.GetRequiredService<WriteGate>().BeginAsync(CancellationToken.None);
        var db = transaction.Db;
        await using var upsert = RowsUpsert.On(db, """INSERT INTO "DerivativeCounts" ("ModelId", "Day", "CollectedAt", "Total")""", "{0}, @day, @at, {1}",
            """ON CONFLICT ("ModelId", "Day") DO NOTHING""", [RowType.BigInteger, RowType.BigInteger])
            .With("@day", new DateOnly(2026, 11, 28)).With("@at", Now);

        // No such model: the foreign key fails on the row that names it.
        var error = await Assert.ThrowsAsync<SqliteException>(async () => await upsert.AddAsync([424242L, 1L], CancellationToken.None));
        Assert.Contains("FOREIGN KEY", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timestamps_are_written_as_Microsoft_Data_Sqlite_writes_them()
    {
        var random = new Random(5);
        var values = new List<DateTime>
        {
            DateTime.MinValue, DateTime.MaxValue, new(2026, 11, 28, 0, 0, 0, DateTimeKind.Utc), new(1, 2, 3, 4, 5, 6, 7, DateTimeKind.Utc),
            new DateTime(2026, 1, 1, 23, 59, 59, DateTimeKind.Utc).AddTicks(1), new DateTime(2026, 1, 1, 23, 59, 59, DateTimeKind.Utc).AddTicks(1_000_000),
        };
        values.AddRange(Enumerable.Range(0, 2000).Select(_ => new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc)));
        values.AddRange(Enumerable.Range(0, 200).Select(_ => new DateTime(random.NextInt64(0, 3_000_000) * TimeSpan.TicksPerSecond * 100, DateTimeKind.Utc)));

        // The reference is the provider itself: each value bound by Microsoft.Data.Sqlite and read back as the text it stored.
        await using var connection = new SqliteConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT @t";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@t";
        command.Parameters.Add(parameter);
        var buffer = new byte[64];
        foreach (var value in values)
        {
            parameter.Value = value;
            var expected = (string)(await command.ExecuteScalarAsync())!;
            Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(buffer, 0, SqliteRowsUpsert.FormatTimestamp(value, buffer)));
        }
    }

    [Fact]
    public async Task A_new_SQLite_database_has_16_KB_pages_in_WAL_mode()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = "PRAGMA page_size";
        Assert.Equal(16384L, await command.ExecuteScalarAsync());
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_pooled_SQLite_connection_keeps_its_pragmas_when_it_is_opened_again()
    {
        await using var database = TestDatabase.CreateSqlite();
        var pooled = new SqliteConnectionStringBuilder(database.ConnectionString) { Pooling = true }.ToString();
        using var host = await CoreHost.StartAsync(database, NoHub, settings: new Dictionary<string, string?> { ["ConnectionStrings:Tracker"] = pooled });
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        object? first = null;
        for (var open = 0; open < 3; open++)
        {
            await using var db = await contexts.CreateDbContextAsync();
            await db.Database.OpenConnectionAsync();
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            // The pragmas run once per native connection: the pool hands the same one back here.
            first ??= connection.Handle;
            Assert.Same(first, connection.Handle);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA synchronous";
            Assert.Equal(1L, await command.ExecuteScalarAsync()); // NORMAL
            command.CommandText = "PRAGMA temp_store";
            Assert.Equal(2L, await command.ExecuteScalarAsync()); // MEMORY
            command.CommandText = "PRAGMA busy_timeout";
            Assert.Equal(30000L, await command.ExecuteScalarAsync());
            await db.Database.CloseConnectionAsync();
        }
    }

    [Fact]
    public async Task The_write_connection_keeps_its_statements_across_turns_failures_and_a_reset()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var gate = host.Services.GetRequiredService<WriteGate>();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();

        await PutAsync("a", [1], at: Now);
        // The same statement again, kept from the last turn: a shared value not given this time is unbound, not the last one.
        var error = await Assert.ThrowsAsync<SqliteException>(() => PutAsync("b", [2], at: null));
        Assert.Contains("NOT NULL", error.Message, StringComparison.Ordinal);
        // A failed row leaves the kept statement usable; so does a new write connection.
        await PutAsync("c", [3], at: Now);
        gate.Reset();
        await PutAsync("d", [4], at: Now);

        await using var db = await contexts.CreateDbContextAsync();
        Assert.Equal(["a", "c", "d"], await db.HttpCache.OrderBy(e => e.Key).Select(e => e.Key).ToListAsync());
        Assert.Equal([4], (await db.HttpCache.SingleAsync(e => e.Key == "d")).Value);

        async Task PutAsync(string key, byte[] value, DateTime? at)
        {
            await using var turn = await gate.BeginAsync(CancellationToken.None);
            await using (var upsert = RowsUpsert.On(turn.Db, """INSERT INTO "HttpCache" ("Key", "Value", "UpdatedAt")""", "{0}, {1}, @at",
                """ON CONFLICT ("Key") DO UPDATE SET "Value" = excluded."Value" """, [RowType.Text, RowType.Bytes]))
            {
                if (at is { } t)
                {
                    upsert.With("@at", t);
                }

                await upsert.AddAsync([key, value], CancellationToken.None);
            }

            await turn.CommitAsync(CancellationToken.None);
        }
    }
}
