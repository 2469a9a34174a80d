using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Tracker.Core.Data;

/// <summary>
/// The one model shared by both providers. Each provider has a thin subclass so that each keeps its own
/// migration set (EF Core's "migrations with multiple providers", multiple-context variant).
/// </summary>
public class TrackerDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<TrackedModel> Models => Set<TrackedModel>();
    public DbSet<Snapshot> Snapshots => Set<Snapshot>();
    public DbSet<CollectionRecord> Collections => Set<CollectionRecord>();
    public DbSet<CollectionRun> CollectionRuns => Set<CollectionRun>();
    public DbSet<DailyTotal> DailyTotals => Set<DailyTotal>();
    public DbSet<DerivativeCount> DerivativeCounts => Set<DerivativeCount>();
    public DbSet<DerivativeBlock> DerivativeBlocks => Set<DerivativeBlock>();
    public DbSet<GitHubRepo> Repos => Set<GitHubRepo>();
    public DbSet<RepoSnapshot> RepoSnapshots => Set<RepoSnapshot>();
    public DbSet<GitHubReleaseRow> Releases => Set<GitHubReleaseRow>();
    public DbSet<HttpCacheEntry> HttpCache => Set<HttpCacheEntry>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);

        // Every instant is UTC. SQLite hands DateTime back as Unspecified and PostgreSQL refuses anything but UTC.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);

        modelBuilder.Entity<TrackedModel>(e =>
        {
            e.HasIndex(m => new { m.Source, m.RepoKey }).IsUnique();
            e.HasIndex(m => m.FamilyId);
            e.Property(m => m.Source).HasMaxLength(32);
            e.Property(m => m.RepoId).HasMaxLength(256);
            e.Property(m => m.RepoKey).HasMaxLength(256);
            e.Property(m => m.Author).HasMaxLength(128);
            e.Property(m => m.FamilyId).HasMaxLength(64);
        });

        modelBuilder.Entity<Snapshot>(e =>
        {
            e.HasKey(s => new { s.ModelId, s.Day });
            e.HasIndex(s => s.Day);
            e.HasOne<TrackedModel>().WithMany().HasForeignKey(s => s.ModelId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CollectionRecord>(e =>
        {
            e.HasIndex(c => c.StartedAt);
            e.Property(c => c.Trigger).HasMaxLength(32);
            e.Property(c => c.Status).HasMaxLength(16);
        });

        modelBuilder.Entity<CollectionRun>(e =>
        {
            e.HasIndex(r => new { r.CollectionId, r.Source, r.Org });
            e.HasIndex(r => new { r.Source, r.Kind, r.Org, r.Day });
            e.Property(r => r.Kind).HasMaxLength(16);
            e.HasIndex(r => r.StartedAt);
            e.Property(r => r.Source).HasMaxLength(32);
            e.Property(r => r.Org).HasMaxLength(128);
            e.Property(r => r.Status).HasMaxLength(16);
            e.HasOne<CollectionRecord>().WithMany().HasForeignKey(r => r.CollectionId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DerivativeCount>(e =>
        {
            e.HasKey(d => new { d.ModelId, d.Day });
            e.HasOne<TrackedModel>().WithMany().HasForeignKey(d => d.ModelId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<DerivativeBlock>(e =>
        {
            // Read a base at a time, in the order written.
            e.HasIndex(b => new { b.BaseModelId, b.Id });
            e.HasOne<TrackedModel>().WithMany().HasForeignKey(b => b.BaseModelId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<GitHubRepo>(e =>
        {
            e.HasIndex(r => r.RepoKey).IsUnique();
            e.HasIndex(r => r.FamilyId);
            e.Property(r => r.FullName).HasMaxLength(256);
            e.Property(r => r.RepoKey).HasMaxLength(256);
            e.Property(r => r.MovedTo).HasMaxLength(256);
            e.Property(r => r.FamilyId).HasMaxLength(64);
            e.Property(r => r.Owner).HasMaxLength(128);
        });

        modelBuilder.Entity<RepoSnapshot>(e =>
        {
            e.HasKey(s => new { s.RepoId, s.Day });
            e.HasOne<GitHubRepo>().WithMany().HasForeignKey(s => s.RepoId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<GitHubReleaseRow>(e =>
        {
            e.ToTable("Releases");
            e.HasIndex(r => new { r.RepoId, r.GitHubReleaseId }).IsUnique();
            e.HasIndex(r => r.PublishedAt);
            e.Property(r => r.Tag).HasMaxLength(256);
            e.Property(r => r.Name).HasMaxLength(512);
            e.HasOne<GitHubRepo>().WithMany().HasForeignKey(r => r.RepoId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<HttpCacheEntry>(e =>
        {
            e.HasKey(c => c.Key);
            e.Property(c => c.Key).HasMaxLength(128);
        });

        // Features that add tables keep their mapping beside them, as IEntityTypeConfiguration<T> classes.
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(TrackerDbContext).Assembly);

        modelBuilder.Entity<DailyTotal>(e =>
        {
            e.HasKey(t => new { t.FamilyId, t.Source, t.Day });
            e.Property(t => t.FamilyId).HasMaxLength(64);
            e.Property(t => t.Source).HasMaxLength(32);
        });
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => UtcTime.Of(v),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteTrackerDbContext(DbContextOptions<SqliteTrackerDbContext> options) : TrackerDbContext(options);

public sealed class PostgresTrackerDbContext(DbContextOptions<PostgresTrackerDbContext> options) : TrackerDbContext(options);
