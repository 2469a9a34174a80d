using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Tracker.Core.Stats;
using Tracker.Jobs;

namespace Tracker.Web.Api;

internal static class StatusApi
{
    public static RouteGroupBuilder MapStatusApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/status").WithTags("Status");
        api.MapGet("/", GetStatus).WithName("GetStatus")
            .WithSummary("The newest collection (and the newest complete one) with each org's run: requests, items, bytes, status, error; and the next scheduled run.")
            .WithMetadata(LiveDataMetadata.Instance);
        return api;
    }

    private static async Task<Ok<StatusDto>> GetStatus(TrackerQueries queries, JobStorage storage, CancellationToken cancellationToken)
    {
        var status = await queries.GetStatusAsync(cancellationToken);
        var next = NextRun(storage);
        var sources = (await queries.GetSourceStatusAsync(cancellationToken))
            .Select(s => new SourceStatusDto(s.Source, s.LastSuccess, s.LastError, s.LastErrorAt, s.RequestsLastRun, next)).ToList();
        return TypedResults.Ok(new StatusDto(sources, status.Latest, status.LastCompleted, status.HasData, next, status.LastCompleted?.FinishedAt));
    }

    internal static DateTime? NextRun(JobStorage storage)
    {
        using var connection = storage.GetConnection();
        return connection.GetRecurringJobs([JobSchedule.Collect]).FirstOrDefault()?.NextExecution;
    }
}
