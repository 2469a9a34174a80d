using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Tracker.Core.Sources.GitHub;
using Tracker.Testing;

namespace Tracker.Tests.Sources;

/// <summary>Counts the process's active timers, so it runs alone: other tests' requests and hosts would move the count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}

[Collection(RunsAlone.Name)]
public sealed class GitHubRequestTimerTests
{
    [Fact]
    public async Task A_Finished_GitHub_Request_Leaves_No_Timer_Behind()
    {
        await using var fake = await FakeGitHub.StartAsync("/");
        fake.Add(new FakeGitHubRepo("deepseek-ai", "DeepSeek-V3", 1, Stars: 10, Forks: 1, Subscribers: 1, OpenIssues: 0,
            CreatedAt: new DateTime(2024, 12, 26, 0, 0, 0, DateTimeKind.Utc), PushedAt: null, Releases: []));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["GITHUB_API_URL"] = fake.ApiUrl.AbsoluteUri });
        builder.AddGitHub();
        using var host = builder.Build();
        var source = host.Services.GetRequiredService<GitHubSource>();
        await source.GetRepoAsync("deepseek-ai", "DeepSeek-V3", CancellationToken.None); // connections, caches, pools

        var before = Timer.ActiveCount;
        const int Snapshots = 100;
        var requests = 0;
        for (var i = 0; i < Snapshots; i++)
        {
            requests += (await source.GetRepoAsync("deepseek-ai", "DeepSeek-V3", CancellationToken.None))!.Requests;
        }

        // Octokit's adapter gives each request a 100-second timeout timer it never disposes: one per request, queued long
        // after the request ends. The resilience pipeline's timers are disposed with their requests.
        Assert.True(requests >= 2 * Snapshots, $"{requests} requests");
        var left = Timer.ActiveCount - before;
        Assert.True(left < Snapshots / 4, $"{left} timers still queued after {requests} requests");
    }
}
