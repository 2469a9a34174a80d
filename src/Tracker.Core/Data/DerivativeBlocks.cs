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
        if (System.Text.Ascii.IsValid(repoId))
        {
            // Nearly every id: its ASCII bytes hashed as a page's are (a rare long one from a rented buffer).
            var rented = repoId.Length > MaxStackId ? ArrayPool<byte>.Shared.Rent(repoId.Length) : null;
            Span<byte> ascii = rented is null ? stackalloc byte[repoId.Length] : rented.AsSpan(0, repoId.Length);
            _ = System.Text.Ascii.FromUtf16(repoId, ascii, out _);
            var hash = KeyHash(ascii);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }

            return hash;
        }

        // Any other id goes through the same ToLowerInvariant the stored children are keyed with; its UTF-16 units are
        // hashed from another seed, so that it shares a hash with an ASCII id no more often than two ASCII ids do.
        var lowered = repoId.ToLowerInvariant();
        return Hash(System.Runtime.InteropServices.MemoryMarshal.AsBytes(lowered.AsSpan()), Utf16Seed, lower: false);
    }

    /// <summary>
    /// <see cref="KeyHash(string)"/> of an id given as its UTF-8 bytes, all of them ASCII (the caller's check): the same
    /// hash, for an id read from a page without a string made of it.
    /// </summary>
    public static ulong KeyHash(ReadOnlySpan<byte> asciiId) => Hash(asciiId, AsciiSeed, lower: true);

    /// <summary>
    /// Eight bytes at a time, each word lower-cased as a whole when <paramref name="lower"/> (ASCII only: A–Z gain 0x20),
    /// multiplied, rotated and folded in, then mixed with the length and finished with MurmurHash3's 64-bit finaliser. The
    /// FNV-1a it replaces took a multiplication and a branch per byte: 34 ns an id of the benchmark's against 14 ns, about
    /// 4 of the derivative writer's milliseconds a collection at 1× its ecosystem.
    /// </summary>
    private static ulong Hash(ReadOnlySpan<byte> bytes, ulong seed, bool lower)
    {
        var hash = seed;
        var length = bytes.Length;
        var i = 0;
        for (; i + 8 <= length; i += 8)
        {
            hash = Fold(hash, Word(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[i..]), lower));
        }

        if (i < length)
        {
            // The tail: the last eight bytes shifted past those already folded in (or, for a key under eight bytes, its
            // bytes one by one), zero-padded; the length, mixed in at the end, tells "ab" from "ab\0".
            ulong tail;
            if (length >= 8)
            {
                tail = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes[(length - 8)..]) >> (8 * (8 - (length - i)));
            }
            else
            {
                tail = 0;
                for (var j = length - 1; j >= 0; j--)
                {
                    tail = (tail << 8) | bytes[j];
                }
            }

            hash = Fold(hash, Word(tail, lower));
        }

        hash ^= (ulong)length * Multiplier1;
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        return hash ^ (hash >> 33);
    }

    private static ulong Fold(ulong hash, ulong word) =>
        ulong.RotateLeft(hash ^ ulong.RotateLeft(word * Multiplier1, 31) * Multiplier2, 27) * 5 + 0x52dce729;

    /// <summary>Eight ASCII bytes with A–Z lower-cased at once: a byte's high bit marks it as at least 'A' and not past 'Z'.</summary>
    private static ulong Word(ulong word, bool lower)
    {
        if (!lower)
        {
            return word;
        }

        const ulong high = 0x8080808080808080UL;
        var atLeastA = word + 0x3f3f3f3f3f3f3f3fUL; // 0x80 - 'A' per byte: the high bit set from 'A' on
        var pastZ = word + 0x2525252525252525UL; // 0x80 - 'Z' - 1: the high bit set past 'Z'
        return word | (((atLeastA ^ pastZ) & high) >> 2);
    }

    private const int MaxStackId = 512;
    private const ulong AsciiSeed = 0x9e3779b97f4a7c15UL;
    private const ulong Utf16Seed = 0x6a09e667f3bcc909UL;
    private const ulong Multiplier1 = 0x87c37b91114253d5UL;
    private const ulong Multiplier2 = 0x4cf5ad432745937fUL;

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
/// <see cref="Finish"/>. The bytes are those <see cref="Utf8JsonWriter"/> writes for the same values (its default escaping,
/// its trimmed ISO 8601 times), written straight into the buffer: the block's shape is fixed, and the writer's
/// per-token bookkeeping was a third of a block's writing time (80 µs a page of 1,000 children against 57 µs; at 1× the
/// benchmark's ecosystem, about 5 of the derivative writer's milliseconds a collection). Times are formatted by
/// <see cref="System.Buffers.Text.Utf8Formatter"/> and trimmed, faster than formatting their parts by hand (19 ns against 30).
/// </summary>
public sealed class DerivativeBlockWriter : IDisposable
{
    /// <summary>
    /// Room reserved for the fields written in one go after a child's id and relation: a time and three counters, or the two
    /// listing times (each at most a comma and 30 bytes, a counter a comma and 20).
    /// </summary>
    private const int MaxFieldBytes = 256;

    private static readonly byte[][] EncodedRelations = [.. Collecting.Relations.All.Select(r => JsonEncodedText.Encode(r).EncodedUtf8Bytes.ToArray())];

    private readonly PooledBuffer _buffer;

    /// <param name="children">About how many children the block will hold: sizes its first buffer.</param>
    public DerivativeBlockWriter(int children)
    {
        _buffer = new PooledBuffer(Math.Max(children, 1) * 128);
        _buffer.GetSpan(1)[0] = (byte)'[';
        _buffer.Advance(1);
    }

    /// <summary>How many children have been added.</summary>
    public int Count { get; private set; }

    public void Add(
        string repoId, string? relation, DateTime? createdAt, long? downloads30d, long? downloadsAllTime, long? likes,
        DateTime? firstSeenAt = null, DateTime? lastSeenAt = null)
    {
        ArgumentNullException.ThrowIfNull(repoId);
        if (repoId.Length <= MaxPlainId && !repoId.AsSpan().ContainsAnyExcept(PlainIdCharacters))
        {
            Span<byte> ascii = stackalloc byte[repoId.Length];
            _ = System.Text.Ascii.FromUtf16(repoId, ascii, out _);
            StartChild(ascii);
        }
        else
        {
            StartChild(JsonEncodedText.Encode(repoId).EncodedUtf8Bytes);
        }

        WriteFields(relation, createdAt, downloads30d, downloadsAllTime, likes);
        if (firstSeenAt is not null || lastSeenAt is not null)
        {
            var span = _buffer.GetSpan(MaxFieldBytes);
            var at = 0;
            WriteField(span, ref at, firstSeenAt);
            WriteField(span, ref at, lastSeenAt);
            _buffer.Advance(at);
        }

        EndChild();
    }

    /// <summary>
    /// Adds a child whose id is given as the bytes a page holds it in, which must pass <see cref="IsPlainId"/>: copied as
    /// they are, the bytes <see cref="Add"/> would write for the same id as a string.
    /// </summary>
    public void AddPlain(ReadOnlySpan<byte> repoId, string? relation, DateTime? createdAt, long? downloads30d, long? downloadsAllTime, long? likes)
    {
        StartChild(repoId);
        WriteFields(relation, createdAt, downloads30d, downloadsAllTime, likes);
        EndChild();
    }

    /// <summary>Whether an id's UTF-8 bytes are all characters JSON's writer copies as they are (see <see cref="PlainIdCharacters"/>).</summary>
    public static bool IsPlainId(ReadOnlySpan<byte> repoId) =>
        repoId.Length is > 0 and <= MaxPlainId && !repoId.ContainsAnyExcept(PlainIdBytes);

    private const int MaxPlainId = 512;

    private static readonly SearchValues<byte> PlainIdBytes = SearchValues.Create(System.Text.Encoding.ASCII.GetBytes(PlainIdSet));

    /// <summary>Closes the block; its UTF-8 JSON, valid until the writer is disposed.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        _buffer.GetSpan(1)[0] = (byte)']';
        _buffer.Advance(1);
        return _buffer.Written;
    }

    public void Dispose() => _buffer.Dispose();

    /// <summary>
    /// Characters of an id <see cref="Utf8JsonWriter"/> copies as they are (it escapes <c>"</c>, <c>\</c>, controls,
    /// HTML-sensitive characters, <c>+</c> and everything beyond ASCII): ids made of them only are copied without an
    /// escaping check per character (the bytes are the same). The derivative writer alone, two million children
    /// (<c>store --scale 10</c> in tests/Tracker.Benchmarks): 1.1 → 0.9 s of CPU, medians of five and seven runs.
    /// </summary>
    private static readonly SearchValues<char> PlainIdCharacters = SearchValues.Create(PlainIdSet);

    private const string PlainIdSet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./";

    /// <summary>A child's opening: a comma after the one before, its array's bracket, its id's encoded bytes quoted.</summary>
    private void StartChild(ReadOnlySpan<byte> encodedId)
    {
        var span = _buffer.GetSpan(encodedId.Length + 4);
        var at = 0;
        if (Count > 0)
        {
            span[at++] = (byte)',';
        }

        span[at++] = (byte)'[';
        span[at++] = (byte)'"';
        encodedId.CopyTo(span[at..]);
        at += encodedId.Length;
        span[at++] = (byte)'"';
        _buffer.Advance(at);
    }

    private void EndChild()
    {
        _buffer.GetSpan(1)[0] = (byte)']';
        _buffer.Advance(1);
        Count++;
    }

    /// <summary>A child's fields after its id, each after a comma (as <see cref="WriteField(Span{byte}, ref int, DateTime?)"/> writes them).</summary>
    private void WriteFields(string? relation, DateTime? createdAt, long? downloads30d, long? downloadsAllTime, long? likes)
    {
        WriteRelation(relation);
        var span = _buffer.GetSpan(MaxFieldBytes);
        var at = 0;
        WriteField(span, ref at, createdAt);
        WriteField(span, ref at, downloads30d);
        WriteField(span, ref at, downloadsAllTime);
        WriteField(span, ref at, likes);
        _buffer.Advance(at);
    }

    private void WriteRelation(string? relation)
    {
        ReadOnlySpan<byte> encoded = default;
        for (var i = 0; i < EncodedRelations.Length; i++)
        {
            if (ReferenceEquals(relation, Collecting.Relations.All[i]))
            {
                encoded = EncodedRelations[i];
                break;
            }
        }

        if (relation is not null && encoded.IsEmpty)
        {
            encoded = JsonEncodedText.Encode(relation).EncodedUtf8Bytes;
        }

        var span = _buffer.GetSpan(encoded.Length + 7);
        var at = 0;
        span[at++] = (byte)',';
        if (relation is null)
        {
            WriteNull(span, ref at);
        }
        else
        {
            span[at++] = (byte)'"';
            encoded.CopyTo(span[at..]);
            at += encoded.Length;
            span[at++] = (byte)'"';
        }

        _buffer.Advance(at);
    }

    /// <summary>
    /// A comma, then a time as <see cref="Utf8JsonWriter"/> writes it: ISO 8601 in UTC, its fraction's trailing zeros
    /// trimmed.
    /// </summary>
    private static void WriteField(Span<byte> span, ref int at, DateTime? value)
    {
        span[at++] = (byte)',';
        if (value is not { } t)
        {
            WriteNull(span, ref at);
            return;
        }

        span[at++] = (byte)'"';
        // "O": yyyy-MM-ddTHH:mm:ss.fffffffZ for a UTC time (Utf8Formatter's, faster than formatting the parts by hand).
        _ = System.Buffers.Text.Utf8Formatter.TryFormat(UtcTime.Of(t), span[at..], out var written, new StandardFormat('O'));
        var fraction = at + 19;
        var digits = at + written - 1;
        while (digits > fraction + 1 && span[digits - 1] == (byte)'0')
        {
            digits--;
        }

        // Seven zeros: no fraction at all; otherwise its significant digits, then the Z.
        var cut = digits == fraction + 1 ? fraction : digits;
        span[cut] = (byte)'Z';
        at = cut + 1;
        span[at++] = (byte)'"';
    }

    /// <summary>A comma, then a counter.</summary>
    private static void WriteField(Span<byte> span, ref int at, long? value)
    {
        span[at++] = (byte)',';
        if (value is { } v)
        {
            _ = System.Buffers.Text.Utf8Formatter.TryFormat(v, span[at..], out var written);
            at += written;
        }
        else
        {
            WriteNull(span, ref at);
        }
    }

    private static void WriteNull(Span<byte> span, ref int at)
    {
        "null"u8.CopyTo(span[at..]);
        at += 4;
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
