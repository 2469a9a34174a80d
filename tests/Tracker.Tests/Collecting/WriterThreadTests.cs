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
    public async Task A_writer_thread_runs_at_a_lower_priority_than_its_caller_on_Linux()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var callerNice = ThreadNice();
        var writerNice = await WriterThread.Run(() => Task.FromResult(ThreadNice()), "Tracker test writer");

        Assert.True(writerNice > callerNice, $"the writer's nice value {writerNice} is not above its caller's {callerNice}");
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
