using System.Globalization;

namespace Tracker.Benchmarks;

/// <summary>
/// CPU time per thread name over a phase (Linux: /proc/self/task), sampled every 100 ms so threads that end before the
/// phase does (a pass's writer) are counted up to their last sample: where the collection's CPU goes, steadier than
/// its wall time on a shared machine.
/// </summary>
public sealed class ThreadCpu : IAsyncDisposable
{
    private const double TicksPerSecond = 100; // USER_HZ, 100 on Linux
    private readonly Dictionary<int, (string Name, long Ns, long WaitNs)> _start;
    private readonly Dictionary<int, (string Name, long Ns, long WaitNs)> _last = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;

    private ThreadCpu()
    {
        _start = Read();
        _sampler = SampleAsync();
    }

    public static ThreadCpu Start() => new();

    /// <summary>
    /// Seconds of CPU per thread name since <see cref="Start"/>, largest first, and seconds those threads were ready to
    /// run but waited for a core (the scheduler's run-queue wait).
    /// </summary>
    public async Task<List<(string Name, double Seconds, double WaitedSeconds)>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        Merge(Read());
        return [.. _last
            .Select(kv => _start.TryGetValue(kv.Key, out var s) && s.Name == kv.Value.Name
                ? (kv.Value.Name, Ns: kv.Value.Ns - s.Ns, WaitNs: kv.Value.WaitNs - s.WaitNs)
                : (kv.Value.Name, kv.Value.Ns, kv.Value.WaitNs))
            .GroupBy(t => t.Name)
            .Select(g => (g.Key, g.Sum(t => t.Ns) / 1e9, g.Sum(t => t.WaitNs) / 1e9))
            .Where(t => t.Item2 > 0)
            .OrderByDescending(t => t.Item2)];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _sampler;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                Merge(Read());
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    private void Merge(Dictionary<int, (string Name, long Ns, long WaitNs)> sample)
    {
        lock (_last)
        {
            foreach (var (tid, value) in sample)
            {
                _last[tid] = value;
            }
        }
    }

    private static Dictionary<int, (string Name, long Ns, long WaitNs)> Read()
    {
        var threads = new Dictionary<int, (string, long, long)>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var open = stat.IndexOf('(', StringComparison.Ordinal);
                    var close = stat.LastIndexOf(')');
                    // Thread pool threads are numbered; one name per kind of thread.
                    var name = new string([.. stat[(open + 1)..close].Where(c => !char.IsDigit(c))]).Trim();
                    var fields = stat[(close + 2)..].Split(' ');
                    // After the name: state is field 3, utime field 14, stime field 15 (man 5 proc).
                    var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    // schedstat: nanoseconds on a core, nanoseconds waiting in the run queue, time slices. Its time on a core
                    // is exact where stat's ticks count whole hundredths (a thread's 5 ms could read 0 or 10).
                    var schedstat = Path.Combine(dir, "schedstat");
                    var (ranNs, waited) = (ticks * (long)(1e9 / TicksPerSecond), 0L);
                    if (File.Exists(schedstat))
                    {
                        var values = File.ReadAllText(schedstat).Split(' ');
                        (ranNs, waited) = (long.Parse(values[0], CultureInfo.InvariantCulture), long.Parse(values[1], CultureInfo.InvariantCulture));
                    }

                    threads[int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture)] = (name, ranNs, waited);
                }
                catch (IOException)
                {
                    // The thread ended while being read.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // Not Linux.
        }

        return threads;
    }
}
