using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tracker.Core.Data;

namespace Tracker.Core.Digests;

/// <summary>
/// Signed links: <c>{id}.{expires}.{purpose-bound HMAC}</c>, base64url. The key comes from
/// <c>Tracker:Digests:SigningKey</c>, else is generated once and kept in the database, so links survive restarts.
/// </summary>
public sealed class DigestTokens(IOptions<DigestOptions> options, IDbContextFactory<TrackerDbContext> contexts, TimeProvider clock)
{
    public const string Confirm = "confirm";
    public const string Unsubscribe = "unsubscribe";
    private const string KeyName = "token-signing";

    private byte[]? _key;

    /// <summary>A confirmation link expires; an unsubscribe link does not (it must work from any old message).</summary>
    public async Task<string> CreateAsync(string purpose, long subscriptionId, CancellationToken cancellationToken)
    {
        var expires = purpose == Confirm ? clock.GetUtcNow().Add(options.Value.ConfirmationLifetime).ToUnixTimeSeconds() : 0;
        var payload = string.Create(CultureInfo.InvariantCulture, $"{subscriptionId}.{expires}");
        var mac = await MacAsync(purpose, payload, cancellationToken);
        return payload + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The subscription id when the token is genuine, for this purpose, and not expired; otherwise null.</summary>
    public async Task<long?> VerifyAsync(string purpose, string? token, CancellationToken cancellationToken)
    {
        var parts = token?.Split('.') ?? [];
        if (parts.Length != 3
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            return null;
        }

        byte[] given;
        try
        {
            given = Base64Url.DecodeFromChars(parts[2]);
        }
        catch (FormatException)
        {
            return null;
        }

        var expected = await MacAsync(purpose, parts[0] + "." + parts[1], cancellationToken);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return null;
        }

        return expires != 0 && clock.GetUtcNow().ToUnixTimeSeconds() > expires ? null : id;
    }

    private async Task<byte[]> MacAsync(string purpose, string payload, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(cancellationToken);
        return HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(purpose + "|" + payload));
    }

    private async Task<byte[]> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is { } cached)
        {
            return cached;
        }

        // Two callers may race here; both end up with the one key the database keeps.
        if (options.Value.SigningKey is { Length: > 0 } configured)
        {
            var bytes = Convert.FromBase64String(configured);
            if (bytes.Length < 32)
            {
                throw new InvalidOperationException("Tracker:Digests:SigningKey must be at least 32 bytes (base64).");
            }

            return _key = bytes;
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var stored = await db.Set<DigestKey>().AsNoTracking().Where(k => k.Name == KeyName).Select(k => k.Value).FirstOrDefaultAsync(cancellationToken);
        if (stored is null)
        {
            db.Set<DigestKey>().Add(new DigestKey { Name = KeyName, Value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), CreatedAt = clock.GetUtcNow().UtcDateTime });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another node generated it first; use theirs.
            }

            await using var again = await contexts.CreateDbContextAsync(cancellationToken);
            stored = await again.Set<DigestKey>().AsNoTracking().Where(k => k.Name == KeyName).Select(k => k.Value).FirstAsync(cancellationToken);
        }

        return _key = Convert.FromBase64String(stored);
    }
}
