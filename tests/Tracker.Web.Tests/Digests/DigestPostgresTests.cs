using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Digests;
using Tracker.Testing;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Digests;

/// <summary>The digest ledger and subscriptions on PostgreSQL (unique-key claims, ExecuteUpdate). Needs TRACKER_TEST_POSTGRES.</summary>
[Collection(AppHosts.Name)]
public sealed class DigestPostgresTests
{
    [Fact]
    public async Task On_PostgreSQL_Email_And_Webhooks_Are_Delivered_Once_Even_After_A_Killed_Run()
    {
        Assert.False(string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(TestDatabase.PostgresVariable)),
            $"{TestDatabase.PostgresVariable} is not set: this test needs a PostgreSQL server (./test.sh starts one). It is not skipped on purpose.");
        using var smtp = new SmtpSink();
        await using var hooks = await WebhookReceiver.StartAsync();
        await using var app = await TrackerAppFactory.StartAsync(new AppOptions { Postgres = true, Settings = DigestApp.Settings(smtp.Port) });
        await DigestSeed.SeedAsync(app.Services);
        var sender = app.Services.GetRequiredService<DigestSender>();
        using var client = app.CreateClient();

        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/api/v1/subscriptions", new { email = "pg@example.org", language = "zh-CN" })).StatusCode);
        var confirmation = await smtp.WaitForAsync("pg@example.org");
        var text = confirmation.TextBody ?? "";
        var start = text.IndexOf("/api/v1/subscriptions/confirm?token=", StringComparison.Ordinal);
        var link = text[start..text.IndexOfAny(['\n', '\r', ' '], start)];
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(link, null)).StatusCode);

        var ids = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add((await DigestSeed.AddAsync(app.Services, DigestChannels.Json, hooks.Url($"pg/{i}").AbsoluteUri, secret: "s")).Id);
        }

        var at = DigestSeed.DeliveryTime();
        hooks.Delay = TimeSpan.FromMilliseconds(60);
        using (var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sender.RunAsync(at, kill.Token));
        }

        hooks.Delay = TimeSpan.Zero;
        await sender.RunAsync(at.AddMinutes(1), CancellationToken.None);
        await sender.RunAsync(at.AddMinutes(30), CancellationToken.None);

        var deliveries = await DigestSeed.DeliveriesAsync(app.Services);
        for (var i = 0; i < 20; i++)
        {
            var copies = hooks.At($"pg/{i}").Count;
            Assert.True(copies <= 1, $"subscriber {i} received {copies} copies");
            var status = deliveries.Single(d => d.SubscriptionId == ids[i]).Status;
            Assert.True(status == DeliveryStatus.Sent ? copies == 1 : status == DeliveryStatus.Uncertain, $"subscriber {i}: {status}, {copies} copies");
        }

        Assert.Single(smtp.To("pg@example.org"), m => (m.Subject ?? "").StartsWith("Tracker 每周摘要", StringComparison.Ordinal));
        Assert.Contains(DigestSeed.Week.ToString(), await client.GetStringAsync("/digests.atom"), StringComparison.Ordinal);
    }
}
