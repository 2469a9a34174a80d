using System.Text.Json;
using Tracker.Core.Claims;
using Tracker.Core.Sources.HuggingFace;
using Tracker.Testing;
using Tracker.Tests.Infrastructure;

namespace Tracker.Tests.Claims;

public sealed class VerdictRulesTests
{
    private static readonly DateOnly AsOf = new(2025, 9, 30);

    private static DatedValue V(string day, double value) => new(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), value);

    [Fact]
    public void A_value_at_the_claims_date_that_meets_it_is_consistent()
    {
        var (verdict, used, at) = VerdictRules.AtLeast(300, AsOf, [V("2025-09-01", 250), V("2025-09-30", 301), V("2025-10-01", 320)]);

        Assert.Equal(Verdicts.Consistent, verdict);
        Assert.Equal(301, used!.Value);
        Assert.True(at);
    }

    [Fact]
    public void A_value_at_the_claims_date_below_it_is_inconsistent_even_when_later_values_meet_it()
    {
        var (verdict, used, at) = VerdictRules.AtLeast(300, AsOf, [V("2025-09-29", 299), V("2025-10-01", 400)]);

        Assert.Equal(Verdicts.Inconsistent, verdict);
        Assert.Equal(299, used!.Value);
        Assert.True(at);
    }

    [Fact]
    public void Only_a_later_value_that_meets_the_claim_is_a_lower_bound_only()
    {
        var (verdict, used, at) = VerdictRules.AtLeast(600_000_000, AsOf, [V("2026-11-28", 650_000_000), V("2026-11-29", 651_000_000)]);

        Assert.Equal(Verdicts.LowerBoundOnly, verdict);
        Assert.Equal(new DateOnly(2026, 11, 28), used!.Day); // the earliest later value bounds the past most tightly
        Assert.False(at);
    }

    [Fact]
    public void A_later_cumulative_value_still_below_the_claim_contradicts_it()
    {
        var (verdict, _, _) = VerdictRules.AtLeast(600_000_000, AsOf, [V("2026-11-28", 500_000_000)]);

        Assert.Equal(Verdicts.Inconsistent, verdict);
    }

    [Fact]
    public void No_measurement_is_not_verifiable()
    {
        var (verdict, used, _) = VerdictRules.AtLeast(300, AsOf, []);

        Assert.Equal(Verdicts.NotVerifiable, verdict);
        Assert.Null(used);
    }

    [Fact]
    public void Created_by_a_cut_off_counts_its_whole_utc_day_and_not_the_next()
    {
        DateTime?[] created =
        [
            new DateTime(2025, 9, 30, 0, 0, 0, DateTimeKind.Utc),      // first instant of the day: in
            new DateTime(2025, 9, 30, 23, 59, 59, DateTimeKind.Utc),   // last second of the day: in
            new DateTime(2025, 9, 29, 12, 0, 0, DateTimeKind.Utc),     // before: in
            new DateTime(2025, 10, 1, 0, 0, 0, DateTimeKind.Utc),      // next day's first instant: out
            null,                                                      // unknown creation: not counted at a past date
        ];

        Assert.Equal(3, VerdictRules.CreatedBy(created, AsOf));
        Assert.Equal(1, VerdictRules.CreatedBy(created, new DateOnly(2025, 9, 29)));
        Assert.Equal(4, VerdictRules.CreatedBy(created, new DateOnly(2025, 10, 1)));
    }

    // DeepSeek-R1's safetensors block as the Hub reports it for deepseek-ai/DeepSeek-R1 (model page "Tensor type" and
    // GET /api/models/deepseek-ai/DeepSeek-R1?expand[]=safetensors), trimmed to the fields Tracker reads.
    private const string DeepSeekR1 = """
        {"_id":"678dc6fff905d106be796d8a","id":"deepseek-ai/DeepSeek-R1","pipeline_tag":"text-generation","library_name":"transformers",
         "createdAt":"2025-01-20T03:46:07.000Z",
         "safetensors":{"parameters":{"BF16":3918786560,"F8_E4M3":680571043840,"F32":41555600},"total":684531386000}}
        """;

    [Fact]
    public void DeepSeek_R1_has_FP8_weights_but_is_a_text_generation_model_so_the_video_claim_is_inconsistent()
    {
        var wire = JsonSerializer.Deserialize(DeepSeekR1, HuggingFaceJsonContext.Default.HfModelWire)!;
        var model = HuggingFaceSource.Map(wire)!;

        var (verdict, note) = VerdictRules.Fp8(model.ParameterDtypes, model.PipelineTag, ["F8_E4M3", "F8_E5M2"]);
        var text = note.English;

        Assert.Equal(Verdicts.Inconsistent, verdict);
        // The sentence's parts, for pages that word it in another language.
        Assert.Equal("fp8-not-video", note.Key);
        Assert.Equal(new NoteText("text-generation"), note.Args[2]);
        Assert.Contains("F8_E4M3", text, StringComparison.Ordinal);
        Assert.Contains("99.4% of parameters", text, StringComparison.Ordinal);
        Assert.Contains("text-generation, not video generation", text, StringComparison.Ordinal);

        // The same weights under a video pipeline would make both checkable parts hold.
        Assert.Equal(Verdicts.Consistent, VerdictRules.Fp8(model.ParameterDtypes, "text-to-video", ["F8_E4M3"]).Verdict);
        Assert.Equal(Verdicts.NotVerifiable, VerdictRules.Fp8(null, "text-generation", ["F8_E4M3"]).Verdict);
    }

    [SamplesFact]
    public async Task A_recorded_safetensors_block_without_FP8_is_inconsistent_with_an_FP8_claim()
    {
        var json = await File.ReadAllTextAsync(Path.Combine(Repository.Samples!, "hf", "model-info.google-bert_bert-base-uncased.response.json"));
        var model = HuggingFaceSource.Map(JsonSerializer.Deserialize(json, HuggingFaceJsonContext.Default.HfModelWire)!)!;

        var (verdict, note) = VerdictRules.Fp8(model.ParameterDtypes, model.PipelineTag, ["F8_E4M3"]);

        Assert.Equal(Verdicts.Inconsistent, verdict);
        Assert.Contains("no FP8 weights (F32 110,106,428)", note.English, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("any-to-any", "text,image,audio,video")]
    [InlineData("image-text-to-text", "text,image")]
    [InlineData("automatic-speech-recognition", "text,audio")]
    [InlineData("video-text-to-text", "text,video")]
    [InlineData("text-generation", "text")]
    [InlineData("robotics", "")]
    public void Pipeline_tags_map_to_modalities(string tag, string modalities) =>
        Assert.Equal(modalities, string.Join(',', VerdictRules.ModalitiesOf(tag)));
}
