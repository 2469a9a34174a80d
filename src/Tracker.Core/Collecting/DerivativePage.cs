using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Tracker.Core.Sources;
using Tracker.Core.Sources.HuggingFace;

namespace Tracker.Core.Collecting;

/// <summary>
/// Reads a page of a base model's children, as Hugging Face sent it (<see cref="UnparsedPage"/>), straight into the rows the
/// derivative writer stores: the same rows as <see cref="SnapshotWriter.DerivativeRows"/> takes from the parsed models, with
/// no object per child beyond its id and no string per tag. A first lineage pass has each page read this way by the
/// writer, beside the next request. Parsed into models there instead, the pages cost the writer more than twice the CPU
/// (at 1× the benchmark's ecosystem, under <c>perf</c>: 215 ms a collection against 92 ms, and 311 ms deserialized item
/// by item), and on two cores the collection is bound by CPU.
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

    // As HuggingFaceSource maps a model: the id, else the modelId; the creation time, unknown when it is the hub's sentinel;
    // counters as numbers or numeric strings; a repeated field's last value.
    private static DerivativeRow ReadChild(ref Utf8JsonReader reader, string baseRepoId, bool asciiBase)
    {
        string? id = null, modelId = null, relation = null;
        DateTime? created = null;
        long? downloads = null, downloadsAllTime = null, likes = null;
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
            else if (reader.ValueTextEquals("createdAt"u8))
            {
                created = ReadTime(ref reader);
            }
            else if (reader.ValueTextEquals("downloads"u8))
            {
                downloads = ReadCounter(ref reader);
            }
            else if (reader.ValueTextEquals("downloadsAllTime"u8))
            {
                downloadsAllTime = ReadCounter(ref reader);
            }
            else if (reader.ValueTextEquals("likes"u8))
            {
                likes = ReadCounter(ref reader);
            }
            else if (reader.ValueTextEquals("tags"u8))
            {
                relation = ReadRelation(ref reader, baseRepoId, asciiBase);
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        var repoId = id ?? modelId;
        if (string.IsNullOrWhiteSpace(repoId))
        {
            throw new JsonException("an item has no \"id\"");
        }

        return new DerivativeRow(repoId, relation, created == HuggingFaceSource.CreatedAtSentinel ? null : created, downloads, downloadsAllTime, likes);
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
