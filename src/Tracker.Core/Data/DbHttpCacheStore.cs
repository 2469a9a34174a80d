using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Tracker.Core.Sources.GitHub;

namespace Tracker.Core.Data;

/// <summary>
/// Octokit's ETag cache kept in the database, so revalidations survive restarts and cost a 304 across runs. Entries are
/// written behind the fetches that produced them (a cache write never holds up a request); reads see pending entries,
/// and <see cref="FlushAsync"/> waits until everything set so far is stored. A lost entry only costs a full response
/// instead of a 304, so a failed write is logged, not thrown.
/// <para>
/// The writer gathers entries (up to <see cref="GatherEntries"/> or <see cref="GatherBytes"/>, for at most
/// <see cref="GatherTime"/>) before it writes them in one transaction. Keys are hashes, so each entry lands on a random
/// page of the key's index, and a transaction per entry or two rewrote those pages thousands of times: at 10× the
/// benchmark's ecosystem, gathering took the writer from 0.5 s of CPU to 0.1 s and the collection's writes from 1.2 to
/// 0.9 GB (tests/Tracker.Benchmarks/README.md). The byte bound keeps a burst of big release lists from piling up.
/// </para>
/// <para>
/// On SQLite every lookup goes through one connection kept open and one prepared statement: each GitHub request looks
/// up its entry, and through EF Core (a pooled context, a connection from the pool, the compiled query, a statement
/// prepared again) a lookup cost about 80 µs of CPU — 0.4 s of the benchmark's collection at 10×, against about 20 µs
/// now (tests/Tracker.Benchmarks/README.md).
/// </para>
/// </summary>
public sealed partial class DbHttpCacheStore : IHttpCacheStore, IAsyncDisposable
{
    private readonly IDbContextFactory<TrackerDbContext> _contexts;
    private readonly TimeProvider _clock;
    private readonly WriteGate _gate;
    private readonly ILogger<DbHttpCacheStore> _logger;
    private readonly ConcurrentDictionary<string, byte[]> _pending = new(StringComparer.Ordinal);
    private readonly Channel<(string Key, byte[]? Value, TaskCompletionSource? Flushed)> _queue =
        Channel.CreateBounded<(string, byte[]?, TaskCompletionSource?)>(new BoundedChannelOptions(256) { SingleReader = true });
    private readonly Task _writer;

    /// <summary>Entries gathered for one transaction at most before it is written anyway.</summary>
    public const int GatherEntries = 64;

    /// <summary>Bytes of entries gathered at most before they are written.</summary>
    public const long GatherBytes = 4 << 20;

    /// <summary>How long the writer waits for entries to gather before it writes what it has.</summary>
    public static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(200);

    private readonly Collecting.Gathering _gathering = new();
    private long _queuedBytes;
    private int _flushes;
    private volatile bool _completing;

    // SQLite's lookups: one at a time on the kept connection, whose statement is prepared once.
    private readonly bool _sqlite;
    private readonly SemaphoreSlim _lookupTurn = new(1, 1);
    private SqliteCommand? _lookupCommand;

    public DbHttpCacheStore(
        IDbContextFactory<TrackerDbContext> contexts, DatabaseOptions options, WriteGate gate, TimeProvider clock, ILogger<DbHttpCacheStore> logger)
    {
        _contexts = contexts;
        _sqlite = string.Equals(options?.Provider, DatabaseProviders.Sqlite, StringComparison.OrdinalIgnoreCase);
        _gate = gate;
        _clock = clock;
        _logger = logger;
        _writer = Collecting.WriterThread.Run(WriteAsync, "Tracker HTTP cache writer");
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken ct)
    {
        var hash = Hash(key);
        if (_pending.TryGetValue(hash, out var pending))
        {
            return pending;
        }

        if (!_sqlite)
        {
            await using var db = await _contexts.CreateDbContextAsync(ct);
            return await _lookup(db, hash, ct);
        }

        await _lookupTurn.WaitAsync(ct);
        try
        {
            var command = _lookupCommand ??= await OpenLookupAsync(ct);
            command.Parameters[0].Value = hash;
            return await command.ExecuteScalarAsync(ct) as byte[];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The next lookup opens the connection again (a database file replaced, a connection gone bad).
            CloseLookup();
            throw;
        }
        finally
        {
            _lookupTurn.Release();
        }
    }

    /// <summary>
    /// Closes the lookup connection; the next lookup opens a new one. For a database file replaced underneath a running
    /// process (the benchmark empties its database between runs), as <see cref="WriteGate.Reset"/>.
    /// </summary>
    public void Reset()
    {
        _lookupTurn.Wait();
        try
        {
            CloseLookup();
        }
        finally
        {
            _lookupTurn.Release();
        }
    }

    private async Task<SqliteCommand> OpenLookupAsync(CancellationToken ct)
    {
        var connection = await SqlitePragmas.OpenAsync(_contexts, ct);
        try
        {
            var command = connection.CreateCommand();
            command.CommandText = """SELECT "Value" FROM "HttpCache" WHERE "Key" = $key""";
            command.Parameters.Add("$key", SqliteType.Text);
            command.Prepare();
            return command;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Closes the lookup statement and the connection it was prepared on.</summary>
    private void CloseLookup()
    {
        var connection = _lookupCommand?.Connection;
        _lookupCommand?.Dispose();
        _lookupCommand = null;
        connection?.Dispose();
    }

    // Compiled once per store (a host has one database provider; a compiled query keeps the first model it ran on):
    // every GitHub request looks up its entry, and EF Core's per-call query-cache lookup cost more than the database's
    // own work for this one-row read.
    private readonly Func<TrackerDbContext, string, CancellationToken, Task<byte[]?>> _lookup =
        EF.CompileAsyncQuery((TrackerDbContext db, string hash, CancellationToken ct) =>
            db.HttpCache.AsNoTracking().Where(e => e.Key == hash).Select(e => (byte[]?)e.Value).FirstOrDefault());

    public async Task SetAsync(string key, byte[] value, CancellationToken ct)
    {
        var hash = Hash(key);
        _pending[hash] = value;
        await _queue.Writer.WriteAsync((hash, value, null), ct);
        Interlocked.Add(ref _queuedBytes, value.Length);
        if (Gathered())
        {
            _gathering.Wake();
        }
    }

    public async Task FlushAsync(CancellationToken ct)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Increment(ref _flushes);
        await _queue.Writer.WriteAsync(("", null, flushed), ct);
        _gathering.Wake();
        await flushed.Task.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        _completing = true;
        _queue.Writer.TryComplete();
        _gathering.Wake();
        await _writer;
        CloseLookup();
        _lookupTurn.Dispose();
    }

    private async Task WriteAsync()
    {
        var batch = new List<(string Key, byte[] Value)>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            await _gathering.WaitAsync(Gathered, GatherTime, CancellationToken.None);
            TaskCompletionSource? flushed = null;
            while (batch.Count < 256 && flushed is null && _queue.Reader.TryRead(out var item))
            {
                if (item.Flushed is not null)
                {
                    flushed = item.Flushed;
                    Interlocked.Decrement(ref _flushes);
                }
                else
                {
                    batch.Add((item.Key, item.Value!));
                    Interlocked.Add(ref _queuedBytes, -item.Value!.Length);
                }
            }

            await StoreAsync(batch);
            foreach (var (key, value) in batch)
            {
                // Only the entry just stored leaves the pending set; a newer value for the key stays until it is stored too.
                _pending.TryRemove(KeyValuePair.Create(key, value));
            }

            batch.Clear();
            flushed?.TrySetResult();
        }
    }

    /// <summary>Enough to write: a flush or the end is waiting, or a transaction's worth of entries has queued.</summary>
    private bool Gathered() =>
        _completing || Volatile.Read(ref _flushes) > 0 || _queue.Reader.Count >= GatherEntries || Interlocked.Read(ref _queuedBytes) >= GatherBytes;

    private async Task StoreAsync(List<(string Key, byte[] Value)> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            await using var turn = await _gate.BeginAsync(CancellationToken.None);
            await using (var upsert = Collecting.RowsUpsert.On(turn.Db,
                """INSERT INTO "HttpCache" ("Key", "Value", "UpdatedAt")""", "{0}, {1}, @at",
                """ON CONFLICT ("Key") DO UPDATE SET "Value" = excluded."Value", "UpdatedAt" = excluded."UpdatedAt" """,
                [Collecting.RowType.Text, Collecting.RowType.Bytes]).With("@at", _clock.GetUtcNow().UtcDateTime))
            {
                // The last value set for a key wins; one statement must not name a key twice.
                foreach (var (key, value) in batch.GroupBy(e => e.Key).Select(g => g.Last()))
                {
                    await upsert.AddAsync([key, value], CancellationToken.None);
                }

                await upsert.FlushAsync(CancellationToken.None);
            }

            await turn.CommitAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or DbUpdateException or InvalidOperationException)
        {
            Log.WriteFailed(_logger, e);
        }
    }

    // Keys hold URLs and a token digest; a hash keeps them short and the token's digest out of the table.
    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Storing an HTTP cache entry failed; the next request for it costs a full response")]
        public static partial void WriteFailed(ILogger logger, Exception exception);
    }
}
