using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>The writer behind a fetch loop: in order, all of it before completion, and a failure reaches the loop.</summary>
public sealed class WriteBehindTests
{
    private static readonly Uri NoHub = new("http://127.0.0.1:9/");

    [Fact]
    public async Task Writes_run_in_order_on_the_writer_and_complete_even_when_fewer_than_a_gathering_are_queued()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        var order = new List<int>();
        var loop = Environment.CurrentManagedThreadId;
        var threads = new HashSet<int>();
        var started = DateTime.UtcNow;

        await using (var writes = WriteBehind.Start(host.Services.GetRequiredService<WriteGate>(), CancellationToken.None, capacity: 4, gather: 3))
        {
            for (var i = 0; i < 10; i++)
            {
                var n = i;
                await writes.EnqueueAsync((db, ct) =>
                {
                    Assert.NotNull(db.Database.CurrentTransaction);
                    order.Add(n);
                    threads.Add(Environment.CurrentManagedThreadId);
                    return Task.CompletedTask;
                }, CancellationToken.None);
            }

            await writes.CompleteAsync();
        }

        Assert.Equal(Enumerable.Range(0, 10), order);
        Assert.Single(threads); // the writer's own thread
        Assert.DoesNotContain(loop, threads);
        // The last write (one short of a gathering) went at completion, not after the gathering time per group.
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_failed_write_stops_the_loop_with_its_error()
    {
        await using var database = TestDatabase.CreateSqlite();
        using var host = await CoreHost.StartAsync(database, NoHub);
        await using var writes = WriteBehind.Start(host.Services.GetRequiredService<WriteGate>(), CancellationToken.None, capacity: 2, gather: 1);

        await writes.EnqueueAsync((db, ct) => throw new InvalidOperationException("disk on fire"), CancellationToken.None);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await writes.EnqueueAsync((db, ct) => Task.CompletedTask, CancellationToken.None);
                await Task.Delay(10);
            }

            await writes.CompleteAsync();
        });
        Assert.Equal("disk on fire", error.Message);
    }
}
