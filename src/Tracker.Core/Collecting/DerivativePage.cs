using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracker.Core.Data;
using Tracker.Core.Sources;
using Tracker.Core.Sources.HuggingFace;

namespace Tracker.Core.Collecting;

/// <summary>
/// Reads a page of a base model's children, as Hugging Face sent it (<see cref="UnparsedPage"/>): into the rows the
/// derivative writer stores (<see cref="Read"/>) — the same rows as <see cref="SnapshotWriter.DerivativeRows"/> takes from
/// the parsed models, with no object per child beyond its id and no string per tag — or, on a first lineage pass, straight
/// into the block that is stored (<see cref="ReadBlock"/>), with no row or string per child at all. The writer does it,
/// beside the next request. Parsed into models there instead, the pages cost the writer more than twice the CPU (at 1× the
/// benchmark's ecosystem, under <c>perf</c>: 215 ms a collection against 92 ms into rows, and 311 ms deserialized item by
/// item), and on two cores the collection is bound by CPU.
/// </summary>
public static class DerivativePage
{
    private static readonly byte[][] RelationsUtf8 = [.. Relations.All.Select(Encoding.UTF8.GetBytes)];

    /// <summary>
    /// The page's rows, in the hub's order; a <see cref="SourceException"/> naming the listing and the page when it is not
    /// an array of models with ids. Fields the children's listing does not ask for are skipped unread.
    /// </summary>
    public static DerivativeRow[] Read(ReadOnlySpan<byte> json, string baseRepoId, string label, int number)
    {
        ArgumentNullException.ThrowIfNull(baseRepoId);
        try
        {
            var reader = new Utf8JsonReader(json);
            if (reader.Read() && reader.TokenType == JsonTokenType.Null && !reader.Read())
            {
                // As the streamed parse reads it: a page of nothing.
                return [];
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException("the page is not an array");
            }

            var rows = new List<DerivativeRow>();
            var asciiBase = System.Text.Ascii.IsValid(baseRepoId);
            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.Null)
                {
                    continue;
                }

                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new JsonException($"an item is a {reader.TokenType}, not a model");
                }

                rows.Add(ReadChild(ref reader, baseRepoId, asciiBase));
            }

            if (reader.Read())
            {
                throw new JsonException("something follows the page's array");
            }

            return [.. rows];
        }
        catch (JsonException e)
        {
            throw HuggingFaceSource.PageFailed(label, number, $"malformed JSON ({e.Message})", e, requests: 0);
        }
    }

    /// <summary>
    /// The block the derivative writer stores for the page (null for a page of nothing), each child noted in
    /// <paramref name="listing"/> when given: what <see cref="SnapshotWriter.DerivativeBlockOf"/> makes of <see cref="Read"/>'s
    /// rows, with the same error for a page that is not one. A page as the hub sends it — ids of plain characters, none
    /// escaped, none listed twice — is transcoded without a row or a string per child: its ids' bytes go into the block as
    /// they are. Any other page is read into rows first. Alternate pairs of one benchmark run (tests/Tracker.Benchmarks),
    /// transcoded against read into rows: 1.235 against 1.35 times the baseline at 1× the ecosystem (1.255 against 1.285 in
    /// a second run), 1.22 against 1.24 at 10×.
    /// </summary>
    public static DerivativeBlockWriter? ReadBlock(ReadOnlySpan<byte> json, string baseRepoId, string label, int number, LineageListing? listing)
    {
        ArgumentNullException.ThrowIfNull(baseRepoId);
        if (TryTranscode(json, baseRepoId, listing, out var block))
        {
            return block;
        }

        // Notes the transcoding made before it gave up are made again, to the same effect (a set of keys, the newest time).
        return SnapshotWriter.DerivativeBlockOf(Read(json, baseRepoId, label, number), listing);
    }

    internal static bool TryTranscode(ReadOnlySpan<byte> json, string baseRepoId, LineageListing? listing, out DerivativeBlockWriter? block)
    {
        // About 250 bytes of the hub's JSON a child, about 100 of the block's.
        var written = new DerivativeBlockWriter(json.Length / 256 + 1);
        bool whole;
        try
        {
            whole = TranscodeInto(json, baseRepoId, listing, written);
        }
        catch (JsonException)
        {
            // Read says what is wrong with the page.
            whole = false;
        }

        if (!whole || written.Count == 0)
        {
            written.Dispose();
            block = null;
            return whole;
        }

        block = written;
        return true;
    }

    /// <summary>Every child of the page into the block; false at the first thing that needs the general path.</summary>
    private static bool TranscodeInto(ReadOnlySpan<byte> json, string baseRepoId, LineageListing? listing, DerivativeBlockWriter block)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        var seen = PageKeys.Start(listing);
        var asciiBase = System.Text.Ascii.IsValid(baseRepoId);
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject || !TryTranscodeChild(ref reader, baseRepoId, asciiBase, block, listing, seen))
            {
                return false;
            }
        }

        return !reader.Read();
    }

    /// <summary>One child as <see cref="ReadChild"/> reads it, into the block; false when it needs the general path.</summary>
    private static bool TryTranscodeChild(
        ref Utf8JsonReader reader, string baseRepoId, bool asciiBase, DerivativeBlockWriter block, LineageListing? listing, PageKeys seen)
    {
        scoped ReadOnlySpan<byte> id = default, modelId = default;
        var hasId = false;
        var fields = default(ChildFields);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var isId = reader.ValueTextEquals("id"u8);
            if (isId || reader.ValueTextEquals("modelId"u8))
            {
                // An id's value as the page holds it: a string unescaped, or null (absent); anything else takes the general path.
                var present = Next(ref reader) switch
                {
                    JsonTokenType.Null => false,
                    JsonTokenType.String when !reader.ValueIsEscaped => true,
                    _ => (bool?)null,
                };
                if (present is null)
                {
                    return false;
                }

                if (isId)
                {
                    hasId = present.Value;
                    id = present.Value ? reader.ValueSpan : default;
                }
                else
                {
                    modelId = present.Value ? reader.ValueSpan : default;
                }
            }
            else
            {
                fields.ReadOrSkip(ref reader, baseRepoId, asciiBase);
            }
        }

        // With neither id, the span is empty, which is not a plain id.
        var repoId = hasId ? id : modelId;
        if (!DerivativeBlockWriter.IsPlainId(repoId))
        {
            return false;
        }

        if (!seen.Add(DerivativeBlocks.KeyHash(repoId)))
        {
            // Listed twice on the page (or two ids sharing a hash): the rows tell which.
            return false;
        }

        var created = fields.Created;
        listing?.Saw(created);

        block.AddPlain(repoId, fields.Relation, created, fields.Downloads, fields.DownloadsAllTime, fields.Likes);
        return true;
    }

    // As HuggingFaceSource maps a model: the id, else the modelId; the creation time, unknown when it is the hub's sentinel;
    // counters as numbers or numeric strings; a repeated field's last value.
    private static DerivativeRow ReadChild(ref Utf8JsonReader reader, string baseRepoId, bool asciiBase)
    {
        string? id = null, modelId = null;
        var fields = default(ChildFields);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("modelId"u8))
            {
                modelId = ReadString(ref reader);
            }
            else
            {
                fields.ReadOrSkip(ref reader, baseRepoId, asciiBase);
            }
        }

        var repoId = id ?? modelId;
        if (string.IsNullOrWhiteSpace(repoId))
        {
            throw new JsonException("an item has no \"id\"");
        }

        return new DerivativeRow(repoId, fields.Relation, fields.Created, fields.Downloads, fields.DownloadsAllTime, fields.Likes);
    }

    /// <summary>A child's fields beside its id, as <see cref="ReadChild"/> and <see cref="TryTranscodeChild"/> both read them.</summary>
    private struct ChildFields
    {
        public string? Relation { get; private set; }

        /// <summary>The creation time; unknown when it is the hub's sentinel.</summary>
        public readonly DateTime? Created => CreatedAsListed == HuggingFaceSource.CreatedAtSentinel ? null : CreatedAsListed;

        private DateTime? CreatedAsListed { get; set; }

        public long? Downloads { get; private set; }

        public long? DownloadsAllTime { get; private set; }

        public long? Likes { get; private set; }

        /// <summary>Reads the value of the property the reader is on if it is one of these fields; skips it if it is another.</summary>
        public void ReadOrSkip(ref Utf8JsonReader reader, string baseRepoId, bool asciiBase)
        {
            if (reader.ValueTextEquals("createdAt"u8))
            {
                CreatedAsListed = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("downloads"u8))
            {
                Downloads = ReadCounter(ref reader);
            }
            else if (reader.ValueTextEquals("downloadsAllTime"u8))
            {
                DownloadsAllTime = ReadCounter(ref reader);
            }
            else if (reader.ValueTextEquals("likes"u8))
            {
                Likes = ReadCounter(ref reader);
            }
            else if (reader.ValueTextEquals("tags"u8))
            {
                Relation = ReadRelation(ref reader, baseRepoId, asciiBase);
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the page ends early");

    private static string? ReadString(ref Utf8JsonReader reader) => Next(ref reader) switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        var other => throw new JsonException($"a string was expected, not a {other}"),
    };

    private static DateTime? ReadTime(ref Utf8JsonReader reader)
    {
        if (Next(ref reader) == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan is [.., (byte)'Z']
            && reader.TryGetDateTimeOffset(out var utc))
        {
            // The hub's own form (2025-09-01T12:00:00.000Z): read without a string, to the same instant as the general parse.
            return utc.UtcDateTime;
        }

        return HuggingFaceSource.ParseTime(reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            var other => throw new JsonException($"a time was expected, not a {other}"),
        });
    }

    private static long? ReadCounter(ref Utf8JsonReader reader) => Next(ref reader) switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.Number when reader.TryGetInt64(out var value) => value,
        JsonTokenType.String when !reader.ValueIsEscaped && Utf8Parser.TryParse(reader.ValueSpan, out long value, out var used) && used == reader.ValueSpan.Length => value,
        JsonTokenType.String when reader.ValueIsEscaped && long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
        var other => throw new JsonException($"a whole number was expected for a counter, not a {other}"),
    };

    /// <summary>The relation the tags declare to the base, as <see cref="SnapshotWriter.RelationTo"/> reads them.</summary>
    private static string? ReadRelation(ref Utf8JsonReader reader, string baseRepoId, bool asciiBase)
    {
        switch (Next(ref reader))
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartArray:
                break;
            default:
                throw new JsonException($"the tags are a {reader.TokenType}, not an array");
        }

        string? relation = null;
        while (Next(ref reader) != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException($"a tag is a {reader.TokenType}, not a string");
            }

            if (relation is null && (reader.ValueIsEscaped || reader.ValueSpan.StartsWith("base_model:"u8)))
            {
                relation = RelationIn(ref reader, baseRepoId, asciiBase);
            }
        }

        return relation;
    }

    private static string? RelationIn(ref Utf8JsonReader reader, string baseRepoId, bool asciiBase)
    {
        var tag = reader.ValueSpan;
        if (reader.ValueIsEscaped || !asciiBase || !System.Text.Ascii.IsValid(tag))
        {
            // Rare: compared as text, exactly as the parsed models' tags are.
            return SnapshotWriter.RelationTo([reader.GetString()!], baseRepoId);
        }

        var rest = tag["base_model:".Length..];
        var colon = rest.IndexOf((byte)':');
        if (colon < 0 || !System.Text.Ascii.EqualsIgnoreCase(rest[(colon + 1)..], baseRepoId))
        {
            return null;
        }

        for (var i = 0; i < RelationsUtf8.Length; i++)
        {
            if (rest[..colon].SequenceEqual(RelationsUtf8[i]))
            {
                return Relations.All[i];
            }
        }

        return null;
    }
}
