using Tracker.Jobs;

namespace Tracker.Tests.Jobs;

public sealed class JobScheduleTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_Fresh_Install_Is_Due_At_Once() => Assert.True(JobSchedule.IsCollectionDue("0 2 * * *", null, Now));

    [Fact]
    public void A_Collection_Since_The_Last_Occurrence_Is_Not_Due() =>
        Assert.False(JobSchedule.IsCollectionDue("0 2 * * *", Now.Date.AddHours(2).AddSeconds(5), Now));

    [Fact]
    public void A_Missed_Occurrence_Is_Due() =>
        Assert.True(JobSchedule.IsCollectionDue("0 2 * * *", Now.Date.AddDays(-1).AddHours(14), Now));

    [Fact]
    public void Previous_Occurrence_Honours_The_Cron() =>
        Assert.Equal(Now.Date.AddHours(6), JobSchedule.PreviousOccurrence("0 */6 * * *", Now.AddHours(-5)));
}
