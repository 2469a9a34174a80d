using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tracker.Core.Data;

public static class TrackerDataExtensions
{
    /// <summary>The connection string name: <c>ConnectionStrings:Tracker</c>.</summary>
    public const string ConnectionStringName = "Tracker";

    public static IHostApplicationBuilder AddTrackerData(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        builder.Services.AddSingleton(options);
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);

        switch (options.Provider.ToLowerInvariant())
        {
            case DatabaseProviders.Postgres:
                if (string.IsNullOrWhiteSpace(connectionString))
                {
                    throw new InvalidOperationException(
                        "Tracker:Database:Provider is 'postgres' but ConnectionStrings:Tracker is empty; set it (environment: ConnectionStrings__Tracker).");
                }

                builder.Services.AddPooledDbContextFactory<PostgresTrackerDbContext>(o => o.UseNpgsql(connectionString));
                builder.Services.AddScoped<TrackerDbContext>(sp => sp.GetRequiredService<PostgresTrackerDbContext>());
                builder.Services.AddSingleton<IDbContextFactory<TrackerDbContext>>(sp =>
                    new UpcastFactory<PostgresTrackerDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresTrackerDbContext>>()));
                break;

            case DatabaseProviders.Sqlite:
                var sqlite = SqliteConnectionString(connectionString, builder.Environment.ContentRootPath);
                builder.Services.AddPooledDbContextFactory<SqliteTrackerDbContext>(o => o.UseSqlite(sqlite).AddInterceptors(SqlitePragmas.Instance));
                builder.Services.AddScoped<TrackerDbContext>(sp => sp.GetRequiredService<SqliteTrackerDbContext>());
                builder.Services.AddSingleton<IDbContextFactory<TrackerDbContext>>(sp =>
                    new UpcastFactory<SqliteTrackerDbContext>(sp.GetRequiredService<IDbContextFactory<SqliteTrackerDbContext>>()));
                break;

            default:
                throw new InvalidOperationException(
                    $"Tracker:Database:Provider is '{options.Provider}'; it must be '{DatabaseProviders.Sqlite}' or '{DatabaseProviders.Postgres}'.");
        }

        builder.Services.AddSingleton<DatabaseMigrator>();
        builder.Services.AddSingleton<WriteGate>();
        return builder;
    }

    /// <summary>
    /// Default: <c>data/tracker.db</c> under the content root. A relative Data Source is taken from the content root
    /// too, so the file does not move with the working directory.
    /// </summary>
    internal static string SqliteConnectionString(string? configured, string contentRoot)
    {
        var csb = new SqliteConnectionStringBuilder(string.IsNullOrWhiteSpace(configured) ? "Data Source=data/tracker.db" : configured);
        if (csb.DataSource != ":memory:" && csb.Mode != SqliteOpenMode.Memory && !Path.IsPathRooted(csb.DataSource))
        {
            csb.DataSource = Path.GetFullPath(Path.Combine(contentRoot, csb.DataSource));
        }

        // Concurrent readers (dashboard, API) wait for the collector's short write transactions rather than fail.
        if (csb.DefaultTimeout < 30)
        {
            csb.DefaultTimeout = 30;
        }

        return csb.ToString();
    }

    private sealed class UpcastFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<TrackerDbContext>
        where TContext : TrackerDbContext
    {
        public TrackerDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
