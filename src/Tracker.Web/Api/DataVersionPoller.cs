using Microsoft.Extensions.Options;
using Tracker.Core.Collecting;

namespace Tracker.Web.Api;

/// <summary>
/// Hears of data committed by other processes (the collect and import-ranking commands, another node sharing PostgreSQL):
/// reads the database's <see cref="DataStamp"/> every <see cref="ApiOptions.DataVersionPollInterval"/> and bumps
/// <see cref="DataVersion"/> when it moved, which drops the API's output cache. A commit in this process has bumped
/// already and moves the stamp too, so the next poll bumps once more: a second eviction, costing one re-render per
/// cached answer, never a stale one.
/// </summary>
internal sealed partial class DataVersionPoller(
    DataStamp stamp, DataVersion version, IOptions<ApiOptions> options, TimeProvider clock, ILogger<DataVersionPoller> logger) : BackgroundService
{
    private bool _read;
    private long? _seen;
    private bool _failing;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Hosted services start before the server: with the first stamp read here, no answer is cached before it.
        await PollAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.DataVersionPollInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await PollAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        try
        {
            var current = await stamp.ReadAsync(cancellationToken);
            if (_read && current != _seen)
            {
                Log.Moved(logger, _seen, current, version.Bump());
            }

            (_read, _seen) = (true, current);
            if (_failing)
            {
                _failing = false;
                Log.Recovered(logger, current);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The next tick tries again. A database that stays away is logged once, not every tick.
            if (!_failing)
            {
                _failing = true;
                Log.ReadFailed(logger, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Debug, Message = "Data stamp moved from {Previous} to {Current}: data version {Version}")]
        public static partial void Moved(ILogger logger, long? previous, long? current, long version);

        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the data stamp failed; commits by other processes are not seen until it succeeds")]
        public static partial void ReadFailed(ILogger logger, Exception exception);

        [LoggerMessage(Level = LogLevel.Information, Message = "Reading the data stamp works again (stamp {Current})")]
        public static partial void Recovered(ILogger logger, long? current);
    }
}
