using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Tracker.Core.Digests;

namespace Tracker.Tests.Digests;

public sealed class DigestScheduleTests
{
    // Monday 2026-11-30; the week before is 2026-W48 (23–29 November).
    private static readonly DateTimeOffset Monday = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("UTC", 7, null)]
    [InlineData("UTC", 8, "2026-W48")]
    [InlineData("Asia/Shanghai", 0, "2026-W48")] // 08:00 in Shanghai is 00:00 UTC
    [InlineData("Asia/Shanghai", -1, null)] // Sunday 23:00 UTC is Monday 07:00 in Shanghai
    [InlineData("America/Los_Angeles", 15, null)] // 07:00 PST
    [InlineData("America/Los_Angeles", 16, "2026-W48")]
    public void The_Week_Is_Due_From_Monday_0800_Local(string zone, int hourUtc, string? week) =>
        Assert.Equal(week, SendWeeklyDigestDue(zone, Monday.AddHours(hourUtc)));

    [Fact]
    public void Later_In_The_Week_The_Same_Week_Is_Still_The_One_Due() =>
        Assert.Equal("2026-W48", SendWeeklyDigestDue("Europe/Berlin", Monday.AddDays(3)));

    [Theory]
    [InlineData("2026-W48", true)]
    [InlineData("2026-W53", true)] // 2026 has 53 ISO weeks
    [InlineData("2025-W53", false)]
    [InlineData("2026-W00", false)]
    [InlineData("26-W01", false)]
    [InlineData("2026-48", false)]
    public void Week_Names_Parse_Strictly(string text, bool valid)
    {
        Assert.Equal(valid, DigestWeek.TryParse(text, out var week));
        if (valid)
        {
            Assert.Equal(text, week.ToString());
            Assert.Equal(DayOfWeek.Monday, week.Monday.DayOfWeek);
        }
    }

    [Fact]
    public async Task Tokens_Are_Bound_To_Purpose_Expire_And_Refuse_Tampering()
    {
        var clock = new FakeTimeProvider(Monday);
        var options = Options.Create(new DigestOptions { SigningKey = Convert.ToBase64String(new byte[32]), ConfirmationLifetime = TimeSpan.FromHours(1) });
        var tokens = new DigestTokens(options, null!, clock);
        var confirm = await tokens.CreateAsync(DigestTokens.Confirm, 42, CancellationToken.None);
        Assert.Equal(42, await tokens.VerifyAsync(DigestTokens.Confirm, confirm, CancellationToken.None));
        Assert.Null(await tokens.VerifyAsync(DigestTokens.Unsubscribe, confirm, CancellationToken.None));
        Assert.Null(await tokens.VerifyAsync(DigestTokens.Confirm, "43" + confirm[2..], CancellationToken.None));
        Assert.Null(await tokens.VerifyAsync(DigestTokens.Confirm, confirm[..^2] + "AA", CancellationToken.None));
        Assert.Null(await tokens.VerifyAsync(DigestTokens.Confirm, "garbage", CancellationToken.None));
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Null(await tokens.VerifyAsync(DigestTokens.Confirm, confirm, CancellationToken.None));

        var unsubscribe = await tokens.CreateAsync(DigestTokens.Unsubscribe, 7, CancellationToken.None);
        clock.Advance(TimeSpan.FromDays(400));
        Assert.Equal(7, await tokens.VerifyAsync(DigestTokens.Unsubscribe, unsubscribe, CancellationToken.None)); // old mail keeps working
    }

    private static string? SendWeeklyDigestDue(string zone, DateTimeOffset now) => DigestSender.DueWeek(zone, now)?.Week.ToString();
}
