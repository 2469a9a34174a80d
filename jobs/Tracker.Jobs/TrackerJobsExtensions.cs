using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tracker.Core.Data;

namespace Tracker.Jobs;

public static class TrackerJobsExtensions
{
    /// <summary>
    /// Hangfire with the storage that matches the database: in-memory beside SQLite (one process), PostgreSQL beside
    /// PostgreSQL (jobs spread over every node that runs a server), then the server and the schedule.
    /// </summary>
    public static IHostApplicationBuilder AddTrackerJobs(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<JobsOptions>()
            .BindConfiguration(JobsOptions.SectionName)
            .Validate(o => JobSchedule.IsValidCron(o.CollectCron), "Tracker:Jobs:CollectCron is not a valid cron expression")
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(JobsOptions.SectionName).Get<JobsOptions>() ?? new JobsOptions();
        var database = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = builder.Configuration.GetConnectionString(TrackerDataExtensions.ConnectionStringName);

        // One JobStorage per host, taken from DI by the server, the dashboard and the managers. Resolving
        // IGlobalConfiguration first points Hangfire's process-wide logging at this host (stack-notes §2.4).
        services.AddSingleton<JobStorage>(sp =>
        {
            sp.GetRequiredService<IGlobalConfiguration>();
            return string.Equals(database.Provider, DatabaseProviders.Postgres, StringComparison.OrdinalIgnoreCase)
                ? new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, new PostgreSqlStorageOptions()), new PostgreSqlStorageOptions())
                : new InMemoryStorage();
        });
        services.AddHangfire(c => c
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddTransient<CollectJob>();
        services.AddDigestJobs();

        if (options.RunServer)
        {
            services.AddHangfireServer(o =>
            {
                o.WorkerCount = options.WorkerCount;
                o.SchedulePollingInterval = TimeSpan.FromSeconds(5);
            });
            services.AddHostedService<CollectionScheduler>();
        }
        else
        {
            services.AddHostedService<MigrationOnlyStartup>();
        }

        return builder;
    }

    private sealed class MigrationOnlyStartup(DatabaseMigrator migrator, DatabaseOptions database) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            database.MigrateOnStartup ? migrator.MigrateAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
