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
