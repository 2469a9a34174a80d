namespace Tracker.Testing;

/// <summary>
/// Real time moved by an offset, so a test can collect "on" another day. Timers stay real: the resilience pipeline's
/// retry delays must still elapse (a frozen fake clock would hang them).
/// </summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Moves "now" to <paramref name="day"/> at the current time of day plus <paramref name="at"/>.</summary>
    public void SetDay(DateOnly day, TimeSpan? at = null)
    {
        var real = System.GetUtcNow();
        var target = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + (at ?? TimeSpan.FromHours(12));
        Offset = target - real;
    }
}
