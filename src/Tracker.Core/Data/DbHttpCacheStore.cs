using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Tracker.Core.Sources.GitHub;

namespace Tracker.Core.Data;

/// <summary>Octokit's ETag cache kept in the database, so revalidations survive restarts and cost a 304 across runs.</summary>
public sealed class DbHttpCacheStore(IDbContextFactory<TrackerDbContext> contexts, TimeProvider clock) : IHttpCacheStore
{
    public async Task<byte[]?> GetAsync(string key, CancellationToken ct)
    {
        var hash = Hash(key);
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.HttpCache.AsNoTracking().Where(e => e.Key == hash).Select(e => e.Value).FirstOrDefaultAsync(ct);
    }

    public async Task SetAsync(string key, byte[] value, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO "HttpCache" ("Key", "Value", "UpdatedAt") VALUES ({Hash(key)}, {value}, {clock.GetUtcNow().UtcDateTime})
            ON CONFLICT ("Key") DO UPDATE SET "Value" = excluded."Value", "UpdatedAt" = excluded."UpdatedAt"
            """, ct);
    }

    // Keys hold URLs and a token digest; a hash keeps them short and the token's digest out of the table.
    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
