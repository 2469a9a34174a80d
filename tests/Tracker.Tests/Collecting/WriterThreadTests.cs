using System.Globalization;
using Tracker.Core.Collecting;

namespace Tracker.Tests.Collecting;

/// <summary>A writer's thread: its own, named, at the writers' priority, with its caller's execution context, every await of its loop back on it, its end or fault passed on.</summary>
public sealed class WriterThreadTests
{
    [Fact]
    public async Task A_loop_runs_on_a_named_thread_of_its_own_and_its_awaits_come_back_to_it()
    {
        var caller = Environment.CurrentManagedThreadId;
        var threads = new List<(int Id, string? Name)>();

        var result = await WriterThread.Run(async () =>
        {
            for (var i = 0; i < 3; i++)
            {
                threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.Name));
                await Task.Delay(5);
                await Task.Yield();
            }

            return 42;
        }, "Tracker test writer");

        Assert.Equal(42, result);
        Assert.Single(threads.Distinct());
        Assert.NotEqual(caller, threads[0].Id);
        Assert.Equal("Tracker test writer", threads[0].Name);
    }

    [Fact]
    public async Task A_loop_sees_its_callers_async_locals()
    {
        var local = new AsyncLocal<string?> { Value = "the caller's" };

        var seen = await WriterThread.Run(() => Task.FromResult(local.Value), "Tracker test writer");

        Assert.Equal("the caller's", seen);
    }

    [Fact]
    public async Task A_loop_that_fails_fails_the_task_with_its_exception()
    {
        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => WriterThread.Run(async () =>
        {
            await Task.Yield();
            throw new InvalidOperationException("the loop's own error");
        }, "Tracker test writer"));

        Assert.Equal("the loop's own error", failed.Message);
    }

    [Fact]
    public async Task A_writer_thread_runs_at_the_writers_lower_priority_on_Linux()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // Set, not added: whatever its caller's (a thread-pool thread started by a writer inherits the writer's nice value).
        var writerNice = await WriterThread.Run(() => Task.FromResult(ThreadNice()), "Tracker test writer");

        Assert.Equal(2, writerNice);
    }

    [Fact]
    public async Task A_writer_thread_takes_a_long_time_slice_that_threads_it_starts_do_not_inherit()
    {
        // Linux 6.12 and later (EEVDF with custom slices) show a thread's slice in /proc/thread-self/sched; older kernels
        // (and builds without the scheduler's debug file) have nothing to check.
        var (writerSlice, childSlice) = await WriterThread.Run(() =>
        {
            long? child = null;
            // As the thread pool does when a writer's work asks it for a worker: a thread started from the writer's.
            var started = new Thread(() => child = ThreadSlice());
            started.Start();
            started.Join();
            return Task.FromResult((ThreadSlice(), child));
        }, "Tracker test writer");
        if (writerSlice is null)
        {
            return;
        }

        Assert.Equal(20_000_000, writerSlice);
        Assert.NotNull(childSlice);
        Assert.True(childSlice < writerSlice, $"a thread started by the writer has its slice, {childSlice} ns");
    }

    /// <summary>The calling thread's time slice in nanoseconds (<c>se.slice</c> in /proc/thread-self/sched), or null where it is not shown.</summary>
    private static long? ThreadSlice()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/thread-self/sched"))
        {
            return null;
        }

        var line = File.ReadLines("/proc/thread-self/sched").FirstOrDefault(l => l.StartsWith("se.slice", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim(), CultureInfo.InvariantCulture);
    }

    /// <summary>The calling thread's nice value: field 19 of /proc/thread-self/stat (after the command name's closing parenthesis).</summary>
    private static int ThreadNice()
    {
        var stat = File.ReadAllText("/proc/thread-self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): field 19 is fields[16].
        return int.Parse(fields[16], CultureInfo.InvariantCulture);
    }
}
