using System.Buffers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Tracker.Core.Data;

/// <summary>
/// Children of a family base model on Hugging Face (the model tree), stored as listed: one block per lineage page, its
/// children a UTF-8 JSON array in <see cref="Children"/>. Two million children are two thousand rows, not two million:
/// storing a page costs one insert, where a row per child cost the collection most of its writing time (see
/// tests/Tracker.Benchmarks/README.md). What a child is today — <see cref="Derivative"/> — is the blocks of its base read in
/// order, each later listing updating the earlier ones as an upsert would (<see cref="DerivativeBlocks.ReadAsync"/>).
/// </summary>
/// <remarks>
/// Each child is <c>[repoId, relation, createdAt, downloads30d, downloadsAllTime, likes]</c>, nulls where the hub sent
/// nothing, times in ISO 8601 UTC; a merged block adds <c>firstSeenAt, lastSeenAt</c>, which otherwise are the block's
/// <see cref="SeenAt"/>. In SQL: <c>json_each(CAST("Children" AS TEXT))</c> on SQLite,
/// <c>json_array_elements(convert_from("Children", 'UTF8')::json)</c> on PostgreSQL.
/// </remarks>
public sealed class DerivativeBlock
{
    public long Id { get; set; }
    public long BaseModelId { get; set; }

    /// <summary>When the page was listed; for a merged block, the latest listing merged into it.</summary>
    public DateTime SeenAt { get; set; }

    /// <summary>How many children the block holds (each once).</summary>
    public int Count { get; set; }

    public required byte[] Children { get; set; }
}

/// <summary>A derivative (child) of a family base model on Hugging Face, as its base's blocks say it is now.</summary>
public sealed class Derivative
{
    public long BaseModelId { get; set; }
    public required string RepoId { get; set; }

    /// <summary>Lower-cased <see cref="RepoId"/>: the hub compares ids case-insensitively.</summary>
    public required string RepoKey { get; set; }

    /// <summary>finetune, quantized, adapter or merge, from the child's <c>base_model:{relation}:{base}</c> tag; null when untagged.</summary>
    public string? Relation { get; set; }

    public DateTime? CreatedAt { get; set; }
    public long? Downloads30d { get; set; }
    public long? DownloadsAllTime { get; set; }
    public long? Likes { get; set; }
    public DateTime FirstSeenAt { get; set; }
    public DateTime LastSeenAt { get; set; }
}

/// <summary>Writes and reads the children's blocks.</summary>
public static class DerivativeBlocks
{
    private const int Fields = 6;

    /// <summary>
    /// The children of these base models as they are now: each base's blocks in the order they were written, a later
    /// listing of a child replacing its id's spelling, counters and last listing, and filling a relation or creation date
    /// only where the earlier one had none — what an upsert per child would have kept.
    /// </summary>
    public static async Task<List<Derivative>> ReadAsync(TrackerDbContext db, IQueryable<long> baseIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var children = new List<Derivative>();
        var current = new Dictionary<string, Derivative>(StringComparer.Ordinal);
        long? currentBase = null;
        var blocks = db.DerivativeBlocks.AsNoTracking().Where(b => baseIds.Contains(b.BaseModelId))
            .OrderBy(b => b.BaseModelId).ThenBy(b => b.Id)
            .Select(b => new { b.BaseModelId, b.SeenAt, b.Children }).AsAsyncEnumerable();
        await foreach (var block in blocks.WithCancellation(cancellationToken))
        {
            if (block.BaseModelId != currentBase)
            {
                children.AddRange(current.Values);
                current.Clear();
                currentBase = block.BaseModelId;
            }

            Fold(current, block.BaseModelId, block.SeenAt, block.Children);
        }

        children.AddRange(current.Values);
        return children;
    }

    /// <summary>Applies one block to a base's children so far (keyed by <see cref="Derivative.RepoKey"/>).</summary>
    public static void Fold(Dictionary<string, Derivative> children, long baseModelId, DateTime seenAt, byte[] block)
    {
        ArgumentNullException.ThrowIfNull(children);
        var reader = new Utf8JsonReader(block);
        Expect(ref reader, JsonTokenType.StartArray);
        while (Next(ref reader) == JsonTokenType.StartArray)
        {
            Next(ref reader);
            var repoId = reader.GetString() ?? throw Malformed();
            var relation = ReadRelation(ref reader);
            var createdAt = ReadTime(ref reader);
            var downloads30d = ReadLong(ref reader);
            var downloadsAllTime = ReadLong(ref reader);
            var likes = ReadLong(ref reader);
            DateTime first = seenAt, last = seenAt;
            if (Next(ref reader) != JsonTokenType.EndArray)
            {
                first = ReadCurrentTime(ref reader) ?? seenAt;
                last = ReadTime(ref reader) ?? seenAt;
                Expect(ref reader, JsonTokenType.EndArray);
            }

            var key = repoId.ToLowerInvariant();
            if (children.TryGetValue(key, out var known))
            {
                known.RepoId = repoId;
                known.Relation = relation ?? known.Relation;
                known.CreatedAt = createdAt ?? known.CreatedAt;
                (known.Downloads30d, known.DownloadsAllTime, known.Likes) = (downloads30d, downloadsAllTime, likes);
                known.FirstSeenAt = first < known.FirstSeenAt ? first : known.FirstSeenAt;
                known.LastSeenAt = last;
            }
            else
            {
                children[key] = new Derivative
                {
                    BaseModelId = baseModelId,
                    RepoId = repoId,
                    RepoKey = key,
                    Relation = relation,
                    CreatedAt = createdAt,
                    Downloads30d = downloads30d,
                    DownloadsAllTime = downloadsAllTime,
                    Likes = likes,
                    FirstSeenAt = first,
                    LastSeenAt = last,
                };
            }
        }

        if (reader.TokenType != JsonTokenType.EndArray)
        {
            throw Malformed();
        }
    }

    /// <summary>
    /// Compares children's ids as their keys (lower-cased ids) compare, without lower-casing each: case-insensitive
    /// ordinal comparison for ASCII ids, the keys themselves otherwise.
    /// </summary>
    public static IEqualityComparer<string> KeyComparer { get; } = new ChildKeyComparer();

    /// <summary>
    /// A 64-bit hash of a child's key (its lower-cased id), for counting a base's distinct children while they are listed
    /// without holding on to their ids. Two ids sharing a hash would count once: the next day's listing would then find the
    /// count one short and list the base's new pages again — one request more, never a child lost.
    /// </summary>
    public static ulong KeyHash(string repoId)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        // FNV-1a over the lower-cased id's UTF-16 units. ASCII ids (nearly all) are lowered as they are hashed; any other
        // goes through the same ToLowerInvariant the stored children are keyed with.
        var hash = FnvOffsetBasis;
        if (!System.Text.Ascii.IsValid(repoId))
        {
            repoId = repoId.ToLowerInvariant();
        }

        foreach (var c in repoId)
        {
            hash = (hash ^ (c is >= 'A' and <= 'Z' ? c + 32u : c)) * FnvPrime;
        }

        return hash;
    }

    /// <summary>
    /// <see cref="KeyHash(string)"/> of an id given as its UTF-8 bytes, all of them ASCII (the caller's check): the same
    /// hash, for an id read from a page without a string made of it.
    /// </summary>
    public static ulong KeyHash(ReadOnlySpan<byte> asciiId)
    {
        var hash = FnvOffsetBasis;
        foreach (var b in asciiId)
        {
            hash = (hash ^ (b is >= (byte)'A' and <= (byte)'Z' ? b + 32u : b)) * FnvPrime;
        }

        return hash;
    }

    private const ulong FnvOffsetBasis = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    private sealed class ChildKeyComparer : IEqualityComparer<string>
    {
        public bool Equals(string? x, string? y) =>
            x is null || y is null ? ReferenceEquals(x, y)
            : System.Text.Ascii.IsValid(x) && System.Text.Ascii.IsValid(y) ? string.Equals(x, y, StringComparison.OrdinalIgnoreCase)
            : string.Equals(x.ToLowerInvariant(), y.ToLowerInvariant(), StringComparison.Ordinal);

        public int GetHashCode(string obj)
        {
            var hash = KeyHash(obj);
            return (int)hash ^ (int)(hash >> 32);
        }
    }

    /// <summary>A relation as one of the shared constants (no string per child), or as stored if it is another.</summary>
    private static string? ReadRelation(ref Utf8JsonReader reader)
    {
        switch (Next(ref reader))
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                foreach (var known in Collecting.Relations.All)
                {
                    if (reader.ValueTextEquals(known))
                    {
                        return known;
                    }
                }

                return reader.GetString();
            default:
                throw Malformed();
        }
    }

    private static DateTime? ReadTime(ref Utf8JsonReader reader)
    {
        Next(ref reader);
        return ReadCurrentTime(ref reader);
    }

    private static DateTime? ReadCurrentTime(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        // An offset, as PostgreSQL writes one, or a Z: either way the instant in UTC.
        JsonTokenType.String => reader.GetDateTimeOffset().UtcDateTime,
        _ => throw Malformed(),
    };

    private static long? ReadLong(ref Utf8JsonReader reader) => Next(ref reader) switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number => reader.GetInt64(),
        _ => throw Malformed(),
    };

    private static JsonTokenType Next(ref Utf8JsonReader reader) => reader.Read() ? reader.TokenType : throw Malformed();

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw Malformed();
        }
    }

    private static InvalidDataException Malformed() => new($"A derivative block is not an array of [{Fields} or {Fields + 2} fields] arrays.");
}

/// <summary>
/// Writes one block: children added one by one (their own listing times only in a merged block), the JSON array closed by
/// <see cref="Finish"/>.
/// </summary>
public sealed class DerivativeBlockWriter : IDisposable
{
    private readonly PooledBuffer _buffer;
    private readonly Utf8JsonWriter _json;

    /// <param name="children">About how many children the block will hold: sizes its first buffer.</param>
    public DerivativeBlockWriter(int children)
    {
        _buffer = new PooledBuffer(Math.Max(children, 1) * 128);
        _json = new Utf8JsonWriter(_buffer);
        _json.WriteStartArray();
    }

    /// <summary>How many children have been added.</summary>
    public int Count { get; private set; }

    public void Add(
        string repoId, string? relation, DateTime? createdAt, long? downloads30d, long? downloadsAllTime, long? likes,
        DateTime? firstSeenAt = null, DateTime? lastSeenAt = null)
    {
        _json.WriteStartArray();
        WriteId(repoId);
        WriteFields(relation, createdAt, downloads30d, downloadsAllTime, likes);
        if (firstSeenAt is not null || lastSeenAt is not null)
        {
            WriteOrNull(firstSeenAt);
            WriteOrNull(lastSeenAt);
        }

        _json.WriteEndArray();
        Count++;
    }

    /// <summary>
    /// Adds a child whose id is given as the bytes a page holds it in, which must pass <see cref="IsPlainId"/>: copied as
    /// they are, the bytes <see cref="Add"/> would write for the same id as a string.
    /// </summary>
    public void AddPlain(ReadOnlySpan<byte> repoId, string? relation, DateTime? createdAt, long? downloads30d, long? downloadsAllTime, long? likes)
    {
        _json.WriteStartArray();
        WriteQuoted(repoId);
        WriteFields(relation, createdAt, downloads30d, downloadsAllTime, likes);
        _json.WriteEndArray();
        Count++;
    }

    /// <summary>Whether an id's UTF-8 bytes are all characters the JSON writer copies as they are (see <see cref="PlainIdCharacters"/>).</summary>
    public static bool IsPlainId(ReadOnlySpan<byte> repoId) =>
        repoId.Length is > 0 and <= MaxPlainId && !repoId.ContainsAnyExcept(PlainIdBytes);

    private const int MaxPlainId = 512;

    private static readonly SearchValues<byte> PlainIdBytes = SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(PlainIdSet));

    /// <summary>Closes the block; its UTF-8 JSON, valid until the writer is disposed.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        _json.WriteEndArray();
        _json.Flush();
        return _buffer.Written;
    }

    public void Dispose()
    {
        _json.Dispose();
        _buffer.Dispose();
    }

    /// <summary>
    /// Characters of an id the JSON writer would copy as they are (it escapes <c>"</c>, <c>\</c>, controls, HTML-sensitive
    /// characters, <c>+</c> and everything beyond ASCII): ids made of them only are written without the writer's
    /// per-character escaping check (the bytes are the same). The derivative writer alone, two million children
    /// (<c>store --scale 10</c> in tests/Tracker.Benchmarks): 1.1 → 0.9 s of CPU, medians of five and seven runs.
    /// </summary>
    private static readonly SearchValues<char> PlainIdCharacters = SearchValues.Create(PlainIdSet);

    private const string PlainIdSet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./";

    private static readonly JsonEncodedText[] EncodedRelations = [.. Collecting.Relations.All.Select(r => JsonEncodedText.Encode(r))];

    private void WriteId(string repoId)
    {
        if (repoId.Length > MaxPlainId || repoId.AsSpan().ContainsAnyExcept(PlainIdCharacters))
        {
            _json.WriteStringValue(repoId);
            return;
        }

        Span<byte> ascii = stackalloc byte[repoId.Length];
        _ = System.Text.Ascii.FromUtf16(repoId, ascii, out _);
        WriteQuoted(ascii);
    }

    /// <summary>A plain id's bytes (<see cref="IsPlainId"/>) as a JSON string: quoted, nothing to escape.</summary>
    private void WriteQuoted(ReadOnlySpan<byte> plainId)
    {
        Span<byte> quoted = stackalloc byte[plainId.Length + 2];
        quoted[0] = (byte)'"';
        plainId.CopyTo(quoted[1..]);
        quoted[^1] = (byte)'"';
        _json.WriteRawValue(quoted, skipInputValidation: true);
    }

    /// <summary>A child's fields after its id.</summary>
    private void WriteFields(string? relation, DateTime? createdAt, long? downloads30d, long? downloadsAllTime, long? likes)
    {
        WriteRelation(relation);
        WriteOrNull(createdAt);
        WriteOrNull(downloads30d);
        WriteOrNull(downloadsAllTime);
        WriteOrNull(likes);
    }

    private void WriteRelation(string? relation)
    {
        for (var i = 0; i < EncodedRelations.Length; i++)
        {
            if (ReferenceEquals(relation, Collecting.Relations.All[i]))
            {
                _json.WriteStringValue(EncodedRelations[i]);
                return;
            }
        }

        WriteOrNull(relation);
    }

    private void WriteOrNull(string? value)
    {
        if (value is null)
        {
            _json.WriteNullValue();
        }
        else
        {
            _json.WriteStringValue(value);
        }
    }

    private void WriteOrNull(DateTime? value)
    {
        if (value is { } t)
        {
            _json.WriteStringValue(UtcTime.Of(t));
        }
        else
        {
            _json.WriteNullValue();
        }
    }

    private void WriteOrNull(long? value)
    {
        if (value is { } v)
        {
            _json.WriteNumberValue(v);
        }
        else
        {
            _json.WriteNullValue();
        }
    }
}

/// <summary>
/// A growing byte buffer over <see cref="ArrayPool{T}"/>, for writing blocks: a block is about 100 KB, and renting spares
/// the collection allocating, zeroing and collecting thousands of arrays that size.
/// </summary>
internal sealed class PooledBuffer(int capacity) : IBufferWriter<byte>, IDisposable
{
    private byte[] _array = ArrayPool<byte>.Shared.Rent(capacity);
    private int _length;

    /// <summary>What has been written; valid until the next write or <see cref="Dispose"/>.</summary>
    public ReadOnlyMemory<byte> Written => _array.AsMemory(0, _length);

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _array.AsSpan(_length);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
    }

    private void Reserve(int sizeHint)
    {
        var needed = _length + Math.Max(sizeHint, 256);
        if (needed > _array.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _array.Length * 2));
            _array.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = bigger;
        }
    }
}
