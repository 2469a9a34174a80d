using System.Text;
using Tracker.Core.Collecting;
using Tracker.Core.Data;
using Tracker.Core.Sources;
using Tracker.Tests.Sources;

namespace Tracker.Tests.Collecting;

/// <summary>
/// A lineage page transcoded straight into its block (<see cref="DerivativePage.ReadBlock"/>) against the same page read
/// into rows and then stored (<see cref="SnapshotWriter.DerivativeBlockOf"/>): the same bytes, the same notes of the
/// listing, or the same error.
/// </summary>
public sealed class DerivativePageTests
{
    /// <summary>Pages the transcoding must take (plain ids, none twice) and pages it must hand to the rows.</summary>
    public static TheoryData<string> Bodies()
    {
        var bodies = new TheoryData<string>();
        foreach (var body in HuggingFaceSourceTests.LineageBodies())
        {
            bodies.Add(body);
        }

        bodies.Add(PlainPage);
        bodies.Add("""[{"id":"a/b","tags":["base_model:quantized:Org/Base"]},{"id":"A/B","tags":["base_model:finetune:Org/Base"]}]""");
        bodies.Add("""[{"id":"a/b"},{"id":"c/d"},{"id":"a/b","likes":7}]""");
        bodies.Add("""[{"id":"a\/b"},{"id":"c/d"}]""");
        bodies.Add("""[{"id":"a b/c"},{"id":"c/d"}]""");
        bodies.Add("""[{"id":"a+b/c"},{"id":"<c>/d"}]""");
        bodies.Add("""[{"id":"ünï/côdé"}]""");
        bodies.Add("""[{"id":null,"modelId":"c/d"},{"modelId":"e/f","id":null},{"id":"g/h","modelId":null}]""");
        bodies.Add("""[{"id":"g/h","id":"i/j"},{"modelId":"k/l","modelId":"m/n"}]""");
        bodies.Add("""[{"id":""},{"id":"c/d"}]""");
        bodies.Add("""[{"id":null}]""");
        bodies.Add("""[{"id":5}]""");
        bodies.Add($$"""[{"id":"{{new string('x', 600)}}/y"}]""");
        bodies.Add("""[{"id":"a/b","createdAt":"2022-03-02T23:29:04.000Z"},{"id":"c/d","createdAt":"2025-01-01T00:00:00+05:00"}]""");
        bodies.Add("""[{"id":"a/b","downloads":"12","downloadsAllTime":"\u0031\u0032","likes":-3}]""");
        bodies.Add("""[{"id":"a/b","tags":["base_model:adapter:Org/Base","base_model:\u0066inetune:Org/Base"]}]""");
        bodies.Add("""[null, null]""");
        return bodies;
    }

    private const string PlainPage = """
        [{"_id":"6650","id":"user1/Base-GGUF","likes":3,"private":false,"downloads":120,"downloadsAllTime":4500,"tags":["gguf","base_model:quantized:Org/Base","region:us"],"createdAt":"2025-09-01T12:00:00.000Z","modelId":"user1/Base-GGUF"},
         {"_id":"6651","id":"user2/base_ft.v2","likes":0,"downloads":0,"downloadsAllTime":0,"tags":["base_model:finetune:org/base"],"createdAt":"2025-08-31T01:02:03.456Z"},
         {"_id":"6652","id":"user3/Merge-1","tags":[],"createdAt":null},
         {"_id":"6653","id":"user4/Adapter","tags":["base_model:adapter:Org/Base"],"createdAt":"2025-08-01T00:00:00Z","downloads":null}]
        """;

    [Theory]
    [MemberData(nameof(Bodies))]
    public void A_Page_Transcoded_Gives_The_Block_And_Notes_Its_Rows_Give_Or_Their_Error(string body)
    {
        var json = Encoding.UTF8.GetBytes(body);
        var (expected, expectedKeys, expectedNewest, expectedError) = Outcome(() =>
        {
            var listing = new LineageListing(0);
            using var block = SnapshotWriter.DerivativeBlockOf(DerivativePage.Read(json, "Org/Base", "Hugging Face children of 'Org/Base'", 1), listing);
            return (Bytes(block), listing);
        });
        var (actual, actualKeys, actualNewest, actualError) = Outcome(() =>
        {
            var listing = new LineageListing(0);
            using var block = DerivativePage.ReadBlock(json, "Org/Base", "Hugging Face children of 'Org/Base'", 1, listing);
            return (Bytes(block), listing);
        });

        Assert.Equal(expectedError, actualError);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedKeys, actualKeys);
        Assert.Equal(expectedNewest, actualNewest);
    }

    [Fact]
    public void A_Page_As_The_Hub_Sends_It_Is_Transcoded_Without_Rows()
    {
        var listing = new LineageListing(0);
        using var block = DerivativePage.ReadBlock(Encoding.UTF8.GetBytes(PlainPage), "Org/Base", "children", 1, listing);

        Assert.True(DerivativePage.TryTranscode(Encoding.UTF8.GetBytes(PlainPage), "Org/Base", null, out var transcoded));
        transcoded?.Dispose();
        Assert.Equal(
            """[["user1/Base-GGUF","quantized","2025-09-01T12:00:00Z",120,4500,3],["user2/base_ft.v2","finetune","2025-08-31T01:02:03.456Z",0,0,0],["user3/Merge-1",null,null,null,null,null],["user4/Adapter","adapter","2025-08-01T00:00:00Z",null,null,null]]""",
            Encoding.UTF8.GetString(block!.Finish().Span));
        Assert.Equal(4, listing.Keys.Count);
        Assert.Equal(new DateTime(2025, 9, 1, 12, 0, 0, DateTimeKind.Utc), listing.Newest);
        Assert.Contains(DerivativeBlocks.KeyHash("USER1/base-gguf"), listing.Keys);
    }

    [Theory]
    [InlineData("""[{"id":"a/b"},{"id":"A/B"}]""")]
    [InlineData("""[{"id":"a\/b"}]""")]
    [InlineData("""[{"id":"ü/b"}]""")]
    [InlineData("""[{"id":"a/b","likes":"x"}]""")]
    [InlineData("""{"id":"a/b"}""")]
    public void Pages_Off_The_Hubs_Usual_Form_Are_Left_To_The_Rows(string body) =>
        Assert.False(DerivativePage.TryTranscode(Encoding.UTF8.GetBytes(body), "Org/Base", null, out _));

    [Fact]
    public void A_Listings_Keys_Tell_A_Child_Listed_Again_On_A_Later_Page_From_One_Listed_Twice_On_A_Page()
    {
        var listing = new LineageListing(0);
        static byte[] Page(params string[] ids) => Encoding.UTF8.GetBytes("[" + string.Join(",", ids.Select(i => $$"""{"id":"{{i}}"}""")) + "]");

        Assert.True(DerivativePage.TryTranscode(Page("a/b", "c/d"), "Org/Base", listing, out var first));
        first?.Dispose();
        // The hub's pages shift as children arrive: a child of the first page again on the next is stored again.
        Assert.True(DerivativePage.TryTranscode(Page("A/B", "e/f"), "Org/Base", listing, out var second));
        Assert.Equal("""[["A/B",null,null,null,null,null],["e/f",null,null,null,null,null]]""", Encoding.UTF8.GetString(second!.Finish().Span));
        second.Dispose();
        // Twice on one page — known to the listing before or not — is for the rows to sort out.
        Assert.False(DerivativePage.TryTranscode(Page("g/h", "c/d", "C/D"), "Org/Base", listing, out _));
        Assert.False(DerivativePage.TryTranscode(Page("n/ew", "N/EW"), "Org/Base", listing, out _));
        Assert.Equal(5, listing.Keys.Count);
    }

    private static (string? Block, ulong[] Keys, DateTime? Newest, string? Error) Outcome(Func<(string? Block, LineageListing Listing)> read)
    {
        try
        {
            var (block, listing) = read();
            return (block, [.. listing.Keys.Order()], listing.Newest, null);
        }
        catch (SourceException e)
        {
            return (null, [], null, e.Message);
        }
    }

    private static string? Bytes(DerivativeBlockWriter? block) => block is null ? null : Encoding.UTF8.GetString(block.Finish().Span);
}
