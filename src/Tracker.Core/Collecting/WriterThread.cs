using System.Runtime.InteropServices;

namespace Tracker.Core.Collecting;

/// <summary>
/// Runs a writer loop on a thread of its own, at a lower scheduling priority than the fetching. A collection's
/// critical path is its chain of requests, one after another; storing what they return is CPU work that can wait a
/// moment (the writers sit behind bounded queues, so a writer that falls behind slows the fetching down rather than
/// filling memory). At equal priority the writers took the cores while a response waited to be read. The dashboard and
/// API, when they share the process, keep their priority over the writers too. Continuations of the loop's awaits come
/// back to the same thread (a single-threaded synchronization context), so the whole loop keeps its priority. The
/// collection runs its shorter sources' pipelines (ModelScope, GitHub) the same way, for the same reason.
/// </summary>
internal static partial class WriterThread
{
    /// <summary>
    /// Linux nice value for writer threads (0 is normal, 19 the lowest). Chosen at 2 from benchmark runs that later turned
    /// out to be distorted by the fakes' own CPU; with the corrected benchmark, 0 and 2 measured alike at 10× the
    /// ecosystem (1.84 and 1.69 × against 1.80 and 1.83 ×: the writer waited about 7 s for a core either way), so 2 stays
    /// for the dashboard and API sharing the process (tests/Tracker.Benchmarks/README.md).
    /// </summary>
    private const int Nice = 2;

    /// <summary>Runs <paramref name="work"/> as <see cref="Run(Func{Task}, string)"/> does, and returns its result.</summary>
    public static async Task<T> Run<T>(Func<Task<T>> work, string name)
    {
        var result = default(T);
        // A block body: as an expression, the assignment's value would make the lambda a Func<Task<T>> and call this again.
        await Run(async () => { result = await work(); }, name);
        return result!;
    }

    public static Task Run(Func<Task> loop, string name)
    {
        var result = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            LowerPriority();
            using var context = new SingleThreadContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task;
            try
            {
                task = loop();
            }
            catch (Exception e)
            {
                task = Task.FromException(e);
            }

            task.ContinueWith(_ => context.Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            context.Run();
            SynchronizationContext.SetSynchronizationContext(null);
            if (task.IsFaulted)
            {
                result.SetException(task.Exception.InnerExceptions);
            }
            else if (task.IsCanceled)
            {
                result.SetCanceled();
            }
            else
            {
                result.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        // Started from the thread pool: Thread.Start returns only once the new thread runs, which on a busy machine waits for
        // a core — and the caller is often the collection's chain of requests, starting a run's writer before its first
        // request (at 1× the benchmark's ecosystem, 1–6 ms before each of six Hugging Face listings). The work item carries
        // the caller's execution context, which Thread.Start hands on to the thread as before (logging scopes, activities).
        ThreadPool.QueueUserWorkItem(static start =>
        {
            try
            {
                start.Thread.Start();
            }
            catch (Exception e) when (e is ThreadStartException or OutOfMemoryException)
            {
                start.Result.TrySetException(e);
            }
        }, (Thread: thread, Result: result), preferLocal: false);
        return result.Task;
    }

    /// <summary>
    /// The writers' time slice, in nanoseconds, on Linux's EEVDF scheduler (6.12 and later take a fair thread's own slice from
    /// <c>sched_attr.sched_runtime</c>; the default is 0.7 ms times one plus the log of the cores, 1.4 ms on two). A thread
    /// woken with a shorter slice than the running one's takes its core at once: a woken thread of the chain of requests no
    /// longer waits on a writer's core for the writer's slice to end while the other core idles (spells of 1–5 ms, 242 ms of
    /// idle cores a collection against 107 ms a baseline in a scheduler trace), and a writer that runs alone is not cut
    /// into default slices. Unlike the idle class (<c>SCHED_IDLE</c>), which also gave way at once but starved the writers
    /// into short interrupted runs and cost as much CPU as it saved, the writers keep their share of the cores. Alternate
    /// pairs of the benchmark at 1× the ecosystem, three runs of 24 (tests/Tracker.Benchmarks/README.md): 1.18, 1.175 and
    /// 1.19 times the baseline against 1.25, 1.27 and 1.255; the collection's unused core time 0.20 against 0.24–0.265 s,
    /// its CPU 0.83–0.84 against 0.855–0.90 s (threads a writer started then inherited its slice; with the reset-on-fork
    /// flag below, two whole runs measured 1.23 and 1.20). A 100 ms slice measured alike. Older kernels ignore the slice,
    /// and a refused call (a container's seccomp filter) leaves the nice value alone in force.
    /// </summary>
    private const ulong SliceNanoseconds = 20_000_000;

    /// <summary>Lowers the calling thread's scheduling priority to the writers' (see <see cref="Nice"/> and <see cref="SliceNanoseconds"/>).</summary>
    internal static void LowerPriority()
    {
        // On Linux the nice value is per thread, and PRIO_PROCESS with who = 0 means the calling thread. Raising it needs
        // no privilege. Elsewhere the writers keep normal priority.
        if (OperatingSystem.IsLinux())
        {
            _ = SetPriority(0 /* PRIO_PROCESS */, 0, Nice);
            _ = LengthenSlice();
        }
    }

    /// <summary>Gives the calling thread the writers' slice, keeping its policy (SCHED_OTHER) and the writers' nice value.</summary>
    private static unsafe bool LengthenSlice()
    {
        // sched_setattr has no libc wrapper; its number differs by architecture.
        long number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 314,
            Architecture.Arm64 => 274,
            _ => -1,
        };
        if (number < 0)
        {
            return false;
        }

        // Reset on fork: a thread the writer starts — a thread-pool worker the writer's work asked for, which then runs the
        // chain's continuations too — gets the default slice back (a positive nice value is inherited all the same).
        var attr = new SchedAttr
        {
            Size = (uint)sizeof(SchedAttr),
            Policy = 0 /* SCHED_OTHER */,
            Flags = 1 /* SCHED_FLAG_RESET_ON_FORK */,
            Nice = Nice,
            Runtime = SliceNanoseconds,
        };
        return Syscall(number, 0 /* the calling thread */, (nint)(&attr), 0) == 0;
    }

    /// <summary>The kernel's <c>struct sched_attr</c> (its first version, 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct SchedAttr
    {
        public uint Size;
        public uint Policy;
        public ulong Flags;
        public int Nice;
        public uint Priority;
        public ulong Runtime;
        public ulong Deadline;
        public ulong Period;
        public uint UtilMin;
        public uint UtilMax;
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number, long pid, nint attributes, long flags);

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, int who, int priority);

    /// <summary>
    /// Runs posted continuations one after another on the writer's thread. Waits for work on a kernel event rather than
    /// a <c>BlockingCollection</c>: its semaphore spun (<c>sched_yield</c>) before sleeping each time the queue ran dry,
    /// which a writer behind a fetch loop does after nearly every write — 0.4 s of the writers' CPU in the benchmark's
    /// collection at 10× (tests/Tracker.Benchmarks/README.md), taken from the fetching on two cores.
    /// </summary>
    private sealed class SingleThreadContext : SynchronizationContext, IDisposable
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = [];
        private readonly AutoResetEvent _posted = new(false);
        private bool _completed;

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_queue)
            {
                if (!_completed)
                {
                    _queue.Enqueue((d, state));
                    _posted.Set();
                    return;
                }
            }

            // A continuation posted after the loop ended (a stray timer, a late cancellation) runs on the pool instead.
            ThreadPool.QueueUserWorkItem(s => d(s), state);
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("writer threads take posted work only");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete()
        {
            // Set inside the lock: the loop sees the completion only after it, and the event is disposed once the loop ends.
            lock (_queue)
            {
                _completed = true;
                _posted.Set();
            }
        }

        public void Run()
        {
            while (true)
            {
                (SendOrPostCallback Callback, object? State) next;
                lock (_queue)
                {
                    if (!_queue.TryDequeue(out next))
                    {
                        if (_completed)
                        {
                            return;
                        }

                        next = default;
                    }
                }

                if (next.Callback is null)
                {
                    _posted.WaitOne();
                    continue;
                }

                next.Callback(next.State);
            }
        }

        public void Dispose() => _posted.Dispose();
    }
}
