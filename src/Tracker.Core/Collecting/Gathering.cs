namespace Tracker.Core.Collecting;

/// <summary>
/// Lets a writer wait until enough writes have been handed to it to be worth one transaction, or until a while has passed,
/// without polling: the producers <see cref="Wake"/> it when they see enough. Each commit rewrites every page it touched,
/// so a writer that commits each write as it comes rewrites the same index pages again and again.
/// </summary>
internal sealed class Gathering
{
    /// <summary>While the writer waits: completed by a producer that sees enough.</summary>
    private TaskCompletionSource? _waiting;

    /// <summary>Wakes the writer if it is waiting; cheap when it is not.</summary>
    public void Wake() => Volatile.Read(ref _waiting)?.TrySetResult();

    /// <summary>Returns once <paramref name="enough"/> holds, a producer wakes the writer, or <paramref name="time"/> has passed.</summary>
    public async Task WaitAsync(Func<bool> enough, TimeSpan time, CancellationToken cancellationToken)
    {
        if (enough())
        {
            return;
        }

        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiting, waiting);
        try
        {
            // Published first, checked again: a producer that handed over between the two checks has either seen the source
            // or left enough behind.
            if (!enough())
            {
                await waiting.Task.WaitAsync(time, cancellationToken);
            }
        }
        catch (TimeoutException)
        {
            // Written with what there is.
        }
        finally
        {
            Volatile.Write(ref _waiting, null);
        }
    }
}
