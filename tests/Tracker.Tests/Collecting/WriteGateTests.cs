using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>The write gate: one writer at a time, on SQLite through one connection that outlives its turns.</summary>
public sealed class WriteGateTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Uri NoHub = new("http://127.0.0.1:9/");

    [Fact]
    public async Task Sqlite_turns_share_one_open_connection_until_reset()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var gate = host.Services.GetRequiredService<WriteGate>();

        SqliteConnection first;
        await using (var turn = await gate.BeginAsync(CancellationToken.None))
        {
            first = (SqliteConnection)turn.Db.Database.GetDbConnection();
            turn.Db.Models.Add(Model("Qwen/A"));
            await turn.Db.SaveChangesAsync();
            await turn.CommitAsync(CancellationToken.None);
        }

        // The turn's context is gone; its connection is not, and the native handle (with its page cache) is the same.
        Assert.Equal(System.Data.ConnectionState.Open, first.State);
        var handle = first.Handle;
        await using (var turn = await gate.BeginAsync(CancellationToken.None))
        {
            Assert.Same(first, turn.Db.Database.GetDbConnection());
            Assert.Same(handle, ((SqliteConnection)turn.Db.Database.GetDbConnection()).Handle);
            Assert.Equal(1, await turn.Db.Models.CountAsync());
        }

        // The gate's contexts and the pool's share EF Core's internal services: one model, one query cache.
        await using (var pooled = await host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync())
        await using (var turn = await gate.BeginAsync(CancellationToken.None))
        {
            Assert.Same(pooled.Model, turn.Db.Model);
        }

        gate.Reset();
        Assert.Equal(System.Data.ConnectionState.Closed, first.State);
        await using (var turn = await gate.BeginAsync(CancellationToken.None))
        {
            Assert.NotSame(first, turn.Db.Database.GetDbConnection());
            Assert.Equal(1, await turn.Db.Models.CountAsync());
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_turn_left_uncommitted_is_rolled_back_and_the_next_turn_writes(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        var gate = host.Services.GetRequiredService<WriteGate>();
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();

        // A writer that fails mid-turn: its rows go, and neither the connection nor the turn is left held.
        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            await using var turn = await gate.BeginAsync(CancellationToken.None);
            turn.Db.Models.Add(Model("Qwen/Lost"));
            await turn.Db.SaveChangesAsync();
            throw new InvalidOperationException("the writer failed before committing");
        });

        // Written outside the gate (another connection): the gate's next turn sees it, whatever its connection had cached.
        await using (var db = await contexts.CreateDbContextAsync())
        {
            db.Models.Add(Model("Qwen/Elsewhere"));
            await db.SaveChangesAsync();
        }

        var next = gate.BeginAsync(CancellationToken.None);
        Assert.True(await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(10))) == next, "the failed turn kept the gate");
        await using (var turn = await next)
        {
            Assert.Equal(["qwen/elsewhere"], await turn.Db.Models.Select(m => m.RepoKey).ToListAsync());
            turn.Db.Models.Add(Model("Qwen/Kept"));
            await turn.Db.SaveChangesAsync();
            await turn.CommitAsync(CancellationToken.None);
        }

        await using (var db = await contexts.CreateDbContextAsync())
        {
            Assert.Equal(["qwen/elsewhere", "qwen/kept"], await db.Models.OrderBy(m => m.RepoKey).Select(m => m.RepoKey).ToListAsync());
        }
    }

    [Fact]
    public async Task Sqlite_turns_take_their_turn_one_at_a_time()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var gate = host.Services.GetRequiredService<WriteGate>();

        var held = await gate.BeginAsync(CancellationToken.None);
        var connection = held.Db.Database.GetDbConnection();
        var waiting = gate.BeginAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        await held.DisposeAsync();
        await using var turn = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Same(connection, turn.Db.Database.GetDbConnection());
    }

    [Fact]
    public async Task Sqlite_log_is_checkpointed_beside_the_turns_and_starts_over()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var gate = CheckpointingEveryMegabyte(host);
        var wal = Path.Combine(database.Folder, "tracker.db-wal");

        const int Turns = 40;
        for (var i = 0; i < Turns; i++)
        {
            await WriteEntryAsync(gate, $"k{i}", i);
            // Each checkpoint done before the next turn, so that the log's extent below does not depend on the timing.
            await gate.CheckpointedAsync();
        }

        await using (var turn = await gate.BeginAsync(CancellationToken.None))
        {
            // SQLite's own checkpoint is off on the gate's connection: it would run inside a commit, holding the turn.
            await using var command = turn.Db.Database.GetDbConnection().CreateCommand();
            command.CommandText = "PRAGMA wal_autocheckpoint;";
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }

        // 10 MB written (16 pages a turn): with no checkpoint the log would hold all of it. Checkpointed once 64 pages have
        // gathered, caught up at the next turn's end and started over at the one after, it never held more than about
        // seven turns' pages (1.8 MB; its file keeps its largest extent), and the database file holds the rest.
        Assert.InRange(new FileInfo(wal).Length, 0, 3L << 20);
        Assert.InRange(new FileInfo(Path.Combine(database.Folder, "tracker.db")).Length, 6L << 20, long.MaxValue);
        await using var db = await host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>().CreateDbContextAsync();
        var stored = await db.HttpCache.OrderBy(e => e.Key).ToListAsync();
        Assert.Equal(Turns, stored.Count);
        Assert.All(stored, e => Assert.Equal(Payload(int.Parse(e.Key[1..], System.Globalization.CultureInfo.InvariantCulture)), e.Value));

        // A reset while a checkpoint may still be running (or waiting for the turn) neither deadlocks nor loses a write.
        for (var i = 0; i < 8; i++)
        {
            await WriteEntryAsync(gate, $"r{i}", i);
            await Task.Run(gate.Reset).WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.Equal(Turns + 8, await db.HttpCache.CountAsync());
    }

    [Fact]
    public async Task Sqlite_turns_write_while_a_checkpoint_runs_and_the_next_turn_catches_up()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var gate = CheckpointingEveryMegabyte(host);
        using var hold = new ManualResetEventSlim();
        var checkpointThread = -1;
        gate.CheckpointStarting = () =>
        {
            checkpointThread = Environment.CurrentManagedThreadId;
            hold.Wait(TimeSpan.FromSeconds(30));
        };
        var file = new FileInfo(Path.Combine(database.Folder, "tracker.db"));
        Task WriteAsync(string key) => WriteEntryAsync(gate, key, key.Length);

        // Four turns of 16 pages reach the threshold: a checkpoint starts, on a thread of its own, and is held there.
        for (var i = 0; i < 4; i++)
        {
            await WriteAsync($"before{i}");
        }

        var checkpointed = gate.CheckpointedAsync();
        Assert.False(checkpointed.IsCompleted);
        file.Refresh();
        var before = file.Length;

        // Turns go on writing meanwhile: the checkpoint holds neither the turn nor the database.
        for (var i = 0; i < 3; i++)
        {
            await WriteAsync($"during{i}").WaitAsync(TimeSpan.FromSeconds(10));
        }

        hold.Set();
        await checkpointed.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.NotEqual(-1, checkpointThread);
        Assert.NotEqual(Environment.CurrentManagedThreadId, checkpointThread);
        // The pages committed before it started are in the database file now (a megabyte of them)...
        file.Refresh();
        Assert.InRange(file.Length - before, 1L << 20, long.MaxValue);

        // ...and the three turns' pages, committed while it ran, are checkpointed at the end of the next turn, so that
        // the one after starts the log over: the log then holds that turn's pages alone.
        await WriteAsync("catch-up");
        await WriteAsync("after");
        await using var probe = new SqliteConnection(database.ConnectionString);
        await probe.OpenAsync();
        await using var command = probe.CreateCommand();
        command.CommandText = "PRAGMA main.wal_checkpoint(PASSIVE);";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(0, reader.GetInt64(0));
        Assert.InRange(reader.GetInt64(1), 1, 24);
    }

    /// <summary>
    /// The host's gate, with a checkpoint every 64 pages of 16 KB (the migrator's page size): every megabyte, against
    /// SQLite's 16. Set for the connection the gate opens next.
    /// </summary>
    private static WriteGate CheckpointingEveryMegabyte(Microsoft.Extensions.Hosting.IHost host)
    {
        var gate = host.Services.GetRequiredService<WriteGate>();
        gate.Reset();
        gate.CheckpointThreshold = 64;
        return gate;
    }

    /// <summary>One turn writing a 256 KB entry (16 pages of the log).</summary>
    private static async Task WriteEntryAsync(WriteGate gate, string key, int seed)
    {
        await using var turn = await gate.BeginAsync(CancellationToken.None);
        turn.Db.HttpCache.Add(new HttpCacheEntry { Key = key, Value = Payload(seed), UpdatedAt = Now });
        await turn.Db.SaveChangesAsync();
        await turn.CommitAsync(CancellationToken.None);
    }

    private static byte[] Payload(int seed)
    {
        var bytes = new byte[256 * 1024];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static TrackedModel Model(string repoId) => new()
    {
        Source = "huggingface",
        RepoId = repoId,
        RepoKey = repoId.ToLowerInvariant(),
        Author = repoId.Split('/')[0],
        FamilyId = "qwen",
        FirstSeenAt = Now,
        LastSeenAt = Now,
    };
}
