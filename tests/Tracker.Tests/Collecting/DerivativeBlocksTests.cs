using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Collecting;

/// <summary>The model tree as stored: a block per listed page, read back as the children an upsert per child would have kept.</summary>
public sealed class DerivativeBlocksTests
{
    private static readonly DateTime Now = new(2026, 11, 28, 17, 5, 9, 123, DateTimeKind.Utc);

    // Nothing is fetched here: the hosts only give the database, its write gate and its contexts.
    private static readonly Uri NoHub = new("http://127.0.0.1:9/");

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task Children_round_trip_and_a_later_listing_updates_them(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        var baseId = await AddBaseModelAsync(contexts);

        // Third-party text: quotes, JSON and SQL syntax, a control character, non-ASCII; a null; the largest long; ticks.
        var hostile = "u/\"quoted\" \u4e2d\u6587 ']}\\; DROP TABLE \"DerivativeBlocks\";--\t\U0001F600";
        var created = Now.AddDays(-3).AddTicks(-1234567);
        await WriteAsync(Now, new DerivativeRow(hostile, "quantized", created, long.MaxValue, null, 0), new DerivativeRow("plain/Model", null, null, null, 5, 1));
        // Listed again later: counters, spelling and last listing follow; a relation or creation date once known stays.
        await WriteAsync(Now.AddDays(1), new DerivativeRow(hostile.ToUpperInvariant(), null, null, 7, 8, 9), new DerivativeRow("plain/model", "merge", Now, 1, 2, 3));

        await using var db = await contexts.CreateDbContextAsync();
        var children = (await DerivativeBlocks.ReadAsync(db, db.Models.Select(m => m.Id), CancellationToken.None)).OrderBy(c => c.RepoKey, StringComparer.Ordinal).ToList();
        Assert.Equal(2, children.Count);
        var plain = children[0];
        Assert.Equal(("plain/model", "plain/model", "merge", baseId), (plain.RepoId, plain.RepoKey, plain.Relation, plain.BaseModelId));
        Assert.Equal(Now, plain.CreatedAt);
        Assert.Equal((1L, 2L, 3L), (plain.Downloads30d!.Value, plain.DownloadsAllTime!.Value, plain.Likes!.Value));
        var odd = children[1];
        Assert.Equal((hostile.ToUpperInvariant(), hostile.ToLowerInvariant(), "quantized"), (odd.RepoId, odd.RepoKey, odd.Relation));
        Assert.Equal(created, odd.CreatedAt);
        Assert.Equal(DateTimeKind.Utc, odd.CreatedAt!.Value.Kind);
        Assert.Equal((7L, 8L, 9L), (odd.Downloads30d!.Value, odd.DownloadsAllTime!.Value, odd.Likes!.Value));
        Assert.Equal((Now, Now.AddDays(1)), (odd.FirstSeenAt, odd.LastSeenAt));

        // The blocks are JSON any SQL client can read.
        var sql = provider == DatabaseProviders.Sqlite
            ? """SELECT COUNT(*) AS "Value" FROM "DerivativeBlocks", json_each(CAST("Children" AS TEXT))"""
            : """SELECT COUNT(*)::integer AS "Value" FROM "DerivativeBlocks", json_array_elements(convert_from("Children", 'UTF8')::json)""";
        Assert.Equal(4, await db.Database.SqlQueryRaw<int>(sql).SingleAsync());

        async Task WriteAsync(DateTime at, params DerivativeRow[] page)
        {
            await using var turn = await host.Services.GetRequiredService<WriteGate>().BeginAsync(CancellationToken.None);
            await SnapshotWriter.WriteDerivativesAsync(turn.Db, baseId, page, at, null, CancellationToken.None);
            await turn.CommitAsync(CancellationToken.None);
        }
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_base_listed_again_has_its_blocks_merged_with_nothing_lost(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        var gate = host.Services.GetRequiredService<WriteGate>();
        var baseId = await AddBaseModelAsync(contexts);

        // A first pass of two pages: two blocks, nothing merged, every child counted once.
        await PassAsync(Now, [Row("a/One", 1), Row("a/Two", 2)], [Row("a/three", 3), Row("A/ONE", 4)]);
        Assert.Equal(3, await KnownAsync());
        Assert.Equal(2, await BlocksAsync());
        var before = await ReadAsync();

        // The next day one page: one new child and two known ones. The base's blocks become one.
        await PassAsync(Now.AddDays(1), [Row("a/four", 5), Row("a/two", 6), Row("a/Three", 7)]);
        Assert.Equal(4, await KnownAsync());
        Assert.Equal(1, await BlocksAsync());
        var after = await ReadAsync();
        Assert.Equal(["a/four", "a/one", "a/three", "a/two"], after.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((4L, Now, Now), (after["a/one"].Likes!.Value, after["a/one"].FirstSeenAt, after["a/one"].LastSeenAt));
        Assert.Equal(("a/two", 6L, Now, Now.AddDays(1)), (after["a/two"].RepoId, after["a/two"].Likes!.Value, after["a/two"].FirstSeenAt, after["a/two"].LastSeenAt));
        Assert.Equal((Now.AddDays(1), Now.AddDays(1)), (after["a/four"].FirstSeenAt, after["a/four"].LastSeenAt));
        Assert.Equal(before["a/one"].CreatedAt, after["a/one"].CreatedAt);

        // Merged again with one more page, the merged block reads as it did.
        await PassAsync(Now.AddDays(2), [Row("a/five", 8)]);
        var third = await ReadAsync();
        Assert.Equal(1, await BlocksAsync());
        Assert.Equal(5, third.Count);
        Assert.All(after.Values, c => Assert.Equivalent(c, third[c.RepoKey], strict: true));

        DerivativeRow Row(string id, long likes) => new(id, "finetune", Now.AddDays(-likes), likes, likes * 10, likes);

        async Task PassAsync(DateTime at, params DerivativeRow[][] pages)
        {
            await using var turn = await gate.BeginAsync(CancellationToken.None);
            var listed = new LineageListing(0);
            foreach (var page in pages)
            {
                await SnapshotWriter.WriteDerivativesAsync(turn.Db, baseId, page, at, listed, CancellationToken.None);
            }

            Assert.Equal(pages.SelectMany(p => p).Select(r => r.RepoId.ToLowerInvariant()).Distinct().Count(), listed.Keys.Count);
            await SnapshotWriter.MarkLineageSyncedAsync(turn.Db, [new LineagePass(baseId, null, at, listed)], at, CancellationToken.None);
            await turn.CommitAsync(CancellationToken.None);
        }

        async Task<int?> KnownAsync()
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.Models.Where(m => m.Id == baseId).Select(m => m.LineageKnown).SingleAsync();
        }

        async Task<int> BlocksAsync()
        {
            await using var db = await contexts.CreateDbContextAsync();
            return await db.DerivativeBlocks.CountAsync();
        }

        async Task<Dictionary<string, Derivative>> ReadAsync()
        {
            await using var db = await contexts.CreateDbContextAsync();
            return (await DerivativeBlocks.ReadAsync(db, db.Models.Select(m => m.Id), CancellationToken.None)).ToDictionary(c => c.RepoKey);
        }
    }

    [Fact]
    public void Key_hashes_treat_ids_as_the_hub_does()
    {
        // ASCII in any case, quotes and non-ASCII ids: distinct as their lower-cased ids are, as the stored children are keyed.
        string[] ids = ["Org/Model", "org/model", "ORG/MODEL", "org/Mödel", "ORG/MÖDEL", "x/\"q\"", "X/\"Q\"", "中文/模型", "a/b", "a/B-2", "İ/x"];
        Assert.Equal(ids.Select(i => i.ToLowerInvariant()).Distinct().Count(), ids.Select(DerivativeBlocks.KeyHash).Distinct().Count());
        Assert.Equal(ids.Select(i => i.ToLowerInvariant()).Distinct().Count(), ids.Distinct(DerivativeBlocks.KeyComparer).Count());
        foreach (var (a, b) in ids.SelectMany(a => ids.Select(b => (a, b))))
        {
            Assert.Equal(string.Equals(a.ToLowerInvariant(), b.ToLowerInvariant(), StringComparison.Ordinal), DerivativeBlocks.KeyComparer.Equals(a, b));
        }

        using var block = new DerivativeBlockWriter(ids.Length);
        foreach (var id in ids)
        {
            block.Add(id, null, null, null, null, null);
        }

        var folded = new Dictionary<string, Derivative>(StringComparer.Ordinal);
        DerivativeBlocks.Fold(folded, 1, Now, block.Finish().ToArray());
        Assert.Equal(ids.Select(i => i.ToLowerInvariant()).Distinct().Count(), folded.Count);
    }

    [Fact]
    public void A_block_is_the_json_the_writer_would_make_whatever_the_ids()
    {
        // The block is written byte by byte, not through Utf8JsonWriter: whatever the ids, relations, times and counters,
        // its bytes are the writer's. Plain ids are copied as they are; the others, and unknown relations, are escaped.
        string[] ids = ["Qwen/Qwen2.5-7B-Instruct", "a_b/c.d-1", "x/<script>alert(1)</script>", "u/\"quoted\"", "p/a+b", "q/a\\b",
            "r/tab\there", "中文/模型", "e/\U0001F600", "s/space d", "t/`back`", "u/amp&er", "v/'single'", new string('a', 600) + "/z"];
        string?[] relations = [Relations.Finetune, Relations.Quantized, Relations.Adapter, Relations.Merge, null, "someday-new", "a\"<b>\u00e9"];
        // Fractions trimmed to their significant digits (or dropped), every kind of DateTime, the extremes.
        DateTime?[] times = [Now, Now.AddTicks(4567), Now.AddMilliseconds(-123), new DateTime(2025, 9, 1, 0, 0, 0, DateTimeKind.Utc), null,
            new DateTime(2025, 9, 1, 12, 30, 0, 500, DateTimeKind.Unspecified), new DateTime(2024, 2, 29, 23, 59, 59, DateTimeKind.Local).AddTicks(1),
            DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)];
        long?[] counters = [0, 1, -1, null, long.MaxValue, long.MinValue, 1234567890123, 42];
        using var block = new DerivativeBlockWriter(ids.Length);
        using var expected = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(expected))
        {
            void Time(DateTime? t)
            {
                if (t is { } v)
                {
                    json.WriteStringValue(v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc));
                }
                else
                {
                    json.WriteNullValue();
                }
            }

            void Counter(long? n)
            {
                if (n is { } v)
                {
                    json.WriteNumberValue(v);
                }
                else
                {
                    json.WriteNullValue();
                }
            }

            json.WriteStartArray();
            for (var i = 0; i < ids.Length * 2; i++)
            {
                var id = ids[i % ids.Length];
                var relation = relations[i % relations.Length];
                var (created, downloads, allTime, likes) = (times[i % times.Length], counters[i % counters.Length], counters[(i + 3) % counters.Length], counters[(i + 5) % counters.Length]);
                // The second round as a merged block's children are, with their own listing times.
                var (first, last) = i < ids.Length ? (null, null) : (times[(i + 1) % times.Length], times[(i + 2) % times.Length]);
                block.Add(id, relation, created, downloads, allTime, likes, first, last);
                json.WriteStartArray();
                json.WriteStringValue(id);
                if (relation is null)
                {
                    json.WriteNullValue();
                }
                else
                {
                    json.WriteStringValue(relation);
                }

                Time(created);
                Counter(downloads);
                Counter(allTime);
                Counter(likes);
                if (first is not null || last is not null)
                {
                    Time(first);
                    Time(last);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
        }

        var written = block.Finish().ToArray();
        Assert.Equal(Encoding.UTF8.GetString(expected.ToArray()), Encoding.UTF8.GetString(written));
        var folded = new Dictionary<string, Derivative>(StringComparer.Ordinal);
        DerivativeBlocks.Fold(folded, 1, Now, written);
        Assert.Equal(ids.Select(i => i.ToLowerInvariant()).Order(StringComparer.Ordinal), folded.Values.Select(d => d.RepoKey).Order(StringComparer.Ordinal));
        Assert.Equal(ids.Order(StringComparer.Ordinal), folded.Values.Select(d => d.RepoId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void An_empty_block_and_plain_ids_added_as_bytes_are_the_writers_json_too()
    {
        using (var empty = new DerivativeBlockWriter(0))
        {
            Assert.Equal("[]", Encoding.UTF8.GetString(empty.Finish().Span));
        }

        using var block = new DerivativeBlockWriter(2);
        using var asString = new DerivativeBlockWriter(2);
        foreach (var (id, relation) in new[] { ("Qwen/Qwen3-8B-GGUF", Relations.Quantized), ("a_b/c.d-1", null) })
        {
            Assert.True(DerivativeBlockWriter.IsPlainId(Encoding.ASCII.GetBytes(id)));
            block.AddPlain(Encoding.ASCII.GetBytes(id), relation, Now, 5, null, 0);
            asString.Add(id, relation, Now, 5, null, 0);
        }

        Assert.Equal(Encoding.UTF8.GetString(asString.Finish().Span), Encoding.UTF8.GetString(block.Finish().Span));
        Assert.Equal(2, block.Count);
        Assert.False(DerivativeBlockWriter.IsPlainId("a/<b>"u8));
        Assert.False(DerivativeBlockWriter.IsPlainId(""u8));
    }

    [Fact]
    public void Key_hashes_of_ascii_ids_are_the_same_from_bytes_and_from_strings_and_spread()
    {
        // Every length around the eight-byte words the hash folds, every case; and a hundred thousand ids like the hub's, no
        // two sharing a hash.
        for (var length = 1; length <= 40; length++)
        {
            var id = string.Concat(Enumerable.Range(0, length).Select(i => (char)('A' + (i * 7 % 26))));
            Assert.Equal(DerivativeBlocks.KeyHash(id), DerivativeBlocks.KeyHash(Encoding.ASCII.GetBytes(id)));
            Assert.Equal(DerivativeBlocks.KeyHash(id), DerivativeBlocks.KeyHash(id.ToLowerInvariant()));
            Assert.NotEqual(DerivativeBlocks.KeyHash(id), DerivativeBlocks.KeyHash(id + "\0"));
            Assert.NotEqual(DerivativeBlocks.KeyHash(id), DerivativeBlocks.KeyHash(id[..^1]));
        }

        // Past the stack buffer's 512 bytes too.
        var longId = new string('Q', 600) + "/Model";
        Assert.Equal(DerivativeBlocks.KeyHash(longId), DerivativeBlocks.KeyHash(Encoding.ASCII.GetBytes(longId.ToLowerInvariant())));

        var hashes = Enumerable.Range(0, 100_000).Select(i => DerivativeBlocks.KeyHash($"user{i % 997}/Qwen3-8B-derivative-{i}")).ToHashSet();
        Assert.Equal(100_000, hashes.Count);
        // "@" and "[" sit either side of A–Z: they are not lower-cased into "`" and "{".
        Assert.NotEqual(DerivativeBlocks.KeyHash("a@[/x"), DerivativeBlocks.KeyHash("a`{/x"));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[[\"a/b\", null, null, null, null]]")]
    [InlineData("[[\"a/b\", null, null, \"12\", null, null]]")]
    [InlineData("[[\"a/b\", null, \"yesterday\", null, null, null]]")]
    [InlineData("[[\"a/b\", null, null, null, null, null]")]
    public void A_malformed_block_is_refused_with_a_clear_error(string json)
    {
        var error = Assert.ThrowsAny<Exception>(() => DerivativeBlocks.Fold([], 1, Now, Encoding.UTF8.GetBytes(json)));
        Assert.True(error is InvalidDataException or FormatException or InvalidOperationException or System.Text.Json.JsonException, error.GetType().Name);
    }

    [Theory]
    [InlineData("base_model:quantized:Qwen/Qwen3-8B", "quantized")]
    [InlineData("base_model:adapter:qwen/qwen3-8b", "adapter")]
    [InlineData("base_model:Qwen/Qwen3-8B", null)]
    [InlineData("base_model:quantized:Qwen/Qwen3-8B-Base", null)]
    [InlineData("base_model:distilled:Qwen/Qwen3-8B", null)]
    [InlineData("license:apache-2.0", null)]
    public void The_relation_is_the_tag_that_names_this_base(string tag, string? relation)
    {
        Assert.Equal(relation, SnapshotWriter.RelationTo(["transformers", tag, "region:us"], "Qwen/Qwen3-8B"));
    }

    [Theory]
    [MemberData(nameof(Providers.Both), MemberType = typeof(Providers))]
    public async Task A_page_that_lists_a_child_twice_stores_it_once_as_first_listed(string provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        using var host = await CoreHost.StartAsync(database, NoHub);
        var contexts = host.Services.GetRequiredService<IDbContextFactory<TrackerDbContext>>();
        var baseId = await AddBaseModelAsync(contexts);

        // The hub compares ids case-insensitively: "Zed/Tuned" and "zed/tuned" are one child, listed three times in the page (a
        // listing that shifted while it was paged), among many distinct children.
        List<DerivativeRow> page = [.. Enumerable.Range(0, 300).Select(i => new DerivativeRow($"u{i % 7}/Child-{i}", "finetune", Now.AddMinutes(-i), i, i, i))];
        page.Insert(120, new DerivativeRow("Zed/Tuned", "adapter", Now.AddDays(-1), 1, 2, 3));
        page.Insert(40, new DerivativeRow("zed/tuned", "merge", Now.AddDays(-2), 4, 5, 6));
        page.Add(new DerivativeRow("ZED/TUNED", null, null, 7, 8, 9));
        // The writer also counts the distinct children the listing saw, by their keys' hashes, and notes the newest, for the
        // base's lineage mark.
        var listed = new LineageListing(0);
        await using (var turn = await host.Services.GetRequiredService<WriteGate>().BeginAsync(CancellationToken.None))
        {
            Assert.Equal(page.Count, await SnapshotWriter.WriteDerivativesAsync(turn.Db, baseId, page, Now, listed, CancellationToken.None));
            await turn.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(301, listed.Keys.Count);
        Assert.Equal(Now, listed.Newest);

        await using var db = await contexts.CreateDbContextAsync();
        var stored = await DerivativeBlocks.ReadAsync(db, db.Models.Select(m => m.Id), CancellationToken.None);
        Assert.Equal(301, stored.Count);
        Assert.Equal(301, (await db.DerivativeBlocks.SingleAsync()).Count);
        var tuned = stored.Single(d => d.RepoKey == "zed/tuned");
        Assert.Equal(("zed/tuned", "merge", 4L), (tuned.RepoId, tuned.Relation, tuned.Downloads30d!.Value));
    }

    /// <summary>The base model the children of a test belong to.</summary>
    private static async Task<long> AddBaseModelAsync(IDbContextFactory<TrackerDbContext> contexts)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var model = new TrackedModel { Source = "huggingface", RepoId = "Qwen/Q", RepoKey = "qwen/q", Author = "Qwen", FamilyId = "qwen", FirstSeenAt = Now, LastSeenAt = Now };
        db.Models.Add(model);
        await db.SaveChangesAsync();
        return model.Id;
    }
}
