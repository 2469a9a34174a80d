using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Data;

namespace Tracker.ApiBenchmarks;

/// <summary>Two years of daily history written straight into the schema, in batches: the collector would take hours.</summary>
internal static class Seeder
{
    public static TrackerDbContext Context(string provider, string connectionString) => provider == "postgres"
        ? new PostgresTrackerDbContext(new DbContextOptionsBuilder<PostgresTrackerDbContext>().UseNpgsql(connectionString).Options)
        : new SqliteTrackerDbContext(new DbContextOptionsBuilder<SqliteTrackerDbContext>().UseSqlite(connectionString).Options);

    public static async Task SeedAsync(TrackerDbContext db, string[] families, int modelsPerFamily, int days)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var first = today.AddDays(-(days - 1));
        var collectedAt = DateTime.UtcNow.AddHours(-1);
        var random = new Random(7);
        var models = new List<TrackedModel>();
        foreach (var family in families)
        {
            for (var i = 0; i < modelsPerFamily; i++)
            {
                var id = $"{family}-org/{family}-model-{i:D4}";
                models.Add(new TrackedModel
                {
                    Source = "huggingface",
                    RepoId = id,
                    RepoKey = id.ToLowerInvariant(),
                    Author = family + "-org",
                    FamilyId = family,
                    CreatedAt = first.AddDays(random.Next(days)).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                    FirstSeenAt = first.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                    LastSeenAt = collectedAt,
                    LatestDay = today,
                });
            }
        }

        db.Models.AddRange(models);
        await db.SaveChangesAsync();

        // Snapshots: every model every day, growing counters.
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        await using var transaction = await connection.BeginTransactionAsync();
        const int perStatement = 200;
        var rows = new List<(long Model, DateOnly Day, long AllTime, long Month, long Likes)>(perStatement);
        var totals = new Dictionary<(string Family, DateOnly Day), (long AllTime, long Month, long Likes)>();
        foreach (var model in models)
        {
            long allTime = random.Next(1_000, 100_000);
            for (var day = first; day <= today; day = day.AddDays(1))
            {
                var daily = random.Next(10, 5_000);
                allTime += daily;
                var month = daily * 30L;
                var likes = allTime / 1_000;
                rows.Add((model.Id, day, allTime, month, likes));
                var key = (model.FamilyId, day);
                var (sumAllTime, sumMonth, sumLikes) = totals.GetValueOrDefault(key);
                totals[key] = (sumAllTime + allTime, sumMonth + month, sumLikes + likes);
                if (rows.Count == perStatement)
                {
                    await InsertAsync(connection, transaction, rows);
                    rows.Clear();
                }
            }

            model.DownloadsAllTime = allTime;
            model.Downloads30d = rows.Count > 0 ? rows[^1].Month : null;
            model.Likes = allTime / 1_000;
        }

        if (rows.Count > 0)
        {
            await InsertAsync(connection, transaction, rows);
        }

        await transaction.CommitAsync();

        db.DailyTotals.AddRange(totals.Select(t => new DailyTotal
        {
            FamilyId = t.Key.Family,
            Source = "huggingface",
            Day = t.Key.Day,
            DownloadsAllTime = t.Value.AllTime,
            Downloads30d = t.Value.Month,
            Likes = t.Value.Likes,
            Reported = modelsPerFamily,
            Expected = modelsPerFamily,
            LastCollectedAt = t.Key.Day.ToDateTime(new TimeOnly(2, 0), DateTimeKind.Utc),
        }));
        db.Collections.Add(new CollectionRecord
        {
            StartedAt = collectedAt.AddMinutes(-5),
            FinishedAt = collectedAt,
            HeartbeatAt = collectedAt,
            Day = today,
            Trigger = "benchmark",
            Status = RunStatus.Succeeded,
        });
        await db.SaveChangesAsync();
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, List<(long Model, DateOnly Day, long AllTime, long Month, long Likes)> rows)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new System.Text.StringBuilder(
            "INSERT INTO \"Snapshots\" (\"ModelId\", \"Day\", \"CollectedAt\", \"Downloads30d\", \"DownloadsAllTime\", \"Likes\", \"AllTimeDecreased\") VALUES ");
        for (var i = 0; i < rows.Count; i++)
        {
            var (model, day, allTime, month, likes) = rows[i];
            sql.Append(i == 0 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture, $"(@m{i}, @d{i}, @c{i}, @p{i}, @a{i}, @l{i}, @f{i})");
            Add(command, "m" + i, model);
            Add(command, "d" + i, day);
            Add(command, "c" + i, day.ToDateTime(new TimeOnly(2, 0), DateTimeKind.Utc));
            Add(command, "p" + i, month);
            Add(command, "a" + i, allTime);
            Add(command, "l" + i, likes);
            Add(command, "f" + i, false);
        }

        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync();
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
