using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Tracker.Core.Data;

namespace Tracker.Core.Collecting;

/// <summary>
/// The database's counterpart of <see cref="DataVersion"/>: one row whose number moves whenever data the API serves
/// commits, whichever process commits it. <see cref="DataVersion"/> only hears of commits in its own process; a web
/// process polls <see cref="ReadAsync"/> to hear of the others (the collect and import-ranking commands, another node
/// sharing PostgreSQL). Every writer of served data moves it: the collector after each run and at the end, the claims
/// measurer, the trending recorder and the ranking importer.
/// </summary>
public sealed class DataStamp(IDbContextFactory<TrackerDbContext> contexts, DataVersion version)
{
    internal const int RowId = 1;

    /// <summary>Saves the context's changes and moves the stamp in one transaction, then bumps this process's version.</summary>
    public Task SaveAsync(TrackerDbContext db, CancellationToken cancellationToken) => SaveAsync(db, first: null, cancellationToken);

    /// <summary>As <see cref="SaveAsync(TrackerDbContext, CancellationToken)"/>, running <paramref name="first"/> (a delete the new rows replace) inside the transaction before the save.</summary>
    public async Task SaveAsync(TrackerDbContext db, Func<CancellationToken, Task>? first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            if (first is not null)
            {
                await first(cancellationToken);
            }

            await db.SaveChangesAsync(cancellationToken);
            await MoveAsync(db, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        version.Bump();
    }

    /// <summary>
    /// Moves the stamp in an open write turn and commits the turn. This process's version is bumped even when that fails:
    /// the work the stamp vouches for was committed before.
    /// </summary>
    public async Task CommitAsync(WriteTurn turn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(turn);
        try
        {
            await MoveAsync(turn.Db, cancellationToken);
            await turn.CommitAsync(cancellationToken);
        }
        finally
        {
            version.Bump();
        }
    }

    /// <summary>The stamp as committed: a primary-key read of one row. Null if the row is missing.</summary>
    public async Task<long?> ReadAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return await db.Set<DataStampRow>().AsNoTracking().Where(s => s.Id == RowId).Select(s => (long?)s.Version).FirstOrDefaultAsync(cancellationToken);
    }

    private static Task<int> MoveAsync(TrackerDbContext db, CancellationToken cancellationToken) =>
        db.Set<DataStampRow>().Where(s => s.Id == RowId).ExecuteUpdateAsync(s => s.SetProperty(r => r.Version, r => r.Version + 1), cancellationToken);
}

/// <summary>The one row of <see cref="DataStamp"/>, created by the migration.</summary>
public sealed class DataStampRow
{
    public int Id { get; set; }
    public long Version { get; set; }
}

internal sealed class DataStampRowConfiguration : IEntityTypeConfiguration<DataStampRow>
{
    public void Configure(EntityTypeBuilder<DataStampRow> e)
    {
        e.ToTable("DataStamps");
        e.Property(s => s.Id).ValueGeneratedNever();
        e.HasData(new DataStampRow { Id = DataStamp.RowId, Version = 0 });
    }
}
