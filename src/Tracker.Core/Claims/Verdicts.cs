namespace Tracker.Core.Claims;

/// <summary>The four verdicts a claim can get (claims.md, "Verdicts"). The strings are stored and appear in the API.</summary>
public static class Verdicts
{
    public const string Consistent = "consistent";
    public const string LowerBoundOnly = "lower-bound-only";
    public const string Inconsistent = "inconsistent";
    public const string NotVerifiable = "not-verifiable";

    public static readonly IReadOnlyList<string> All = [Consistent, LowerBoundOnly, Inconsistent, NotVerifiable];
}

public sealed record DatedValue(DateOnly Day, double Value);

/// <summary>What a measurement found for one claim.</summary>
public sealed record ClaimResult(
    string Verdict,
    double? Value,
    ClaimNote Note,
    DateOnly? ValueAsOf,
    bool AtClaimDate,
    IReadOnlyList<string> Platforms,
    string Gap,
    IReadOnlyDictionary<string, double?> Breakdown)
{
    public string ValueText => Note.English;
}

/// <summary>The verdict rules, as pure functions over measured histories.</summary>
public static class VerdictRules
{
    /// <summary>
    /// "At least <paramref name="claimed"/> by <paramref name="asOf"/>" against a cumulative history. A value on or
    /// before the date decides it (consistent or inconsistent). With only later values, the earliest one bounds the past:
    /// at least the claim means the claim may be true (lower bound only); below it, a cumulative count that is lower
    /// even later contradicts the claim. No value at all: not verifiable.
    /// </summary>
    public static (string Verdict, DatedValue? Used, bool AtClaimDate) AtLeast(double claimed, DateOnly asOf, IReadOnlyList<DatedValue> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var atDate = history.Where(v => v.Day <= asOf).MaxBy(v => v.Day);
        if (atDate is not null)
        {
            return (atDate.Value >= claimed ? Verdicts.Consistent : Verdicts.Inconsistent, atDate, true);
        }

        var later = history.Where(v => v.Day > asOf).MinBy(v => v.Day);
        if (later is null)
        {
            return (Verdicts.NotVerifiable, null, false);
        }

        return (later.Value >= claimed ? Verdicts.LowerBoundOnly : Verdicts.Inconsistent, later, false);
    }

    /// <summary>The models alive on <paramref name="cutOff"/> (its whole UTC day included) by their creation instants.</summary>
    public static int CreatedBy(IEnumerable<DateTime?> createdAt, DateOnly cutOff)
    {
        var end = cutOff.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return createdAt.Count(c => c is { } t && t < end);
    }

    /// <summary>
    /// DeepSeek-R1 and FP8: the FP8 part is checked against the weights' dtypes; the "video generation" part against the
    /// model's pipeline tag. Both must hold for "consistent"; no dtypes known: not verifiable.
    /// </summary>
    public static (string Verdict, ClaimNote Note) Fp8(IReadOnlyDictionary<string, long>? dtypes, string? pipelineTag, IReadOnlyList<string> fp8Names)
    {
        ArgumentNullException.ThrowIfNull(fp8Names);
        if (dtypes is null || dtypes.Count == 0)
        {
            return (Verdicts.NotVerifiable, new ClaimNote("fp8-no-dtypes", []));
        }

        var total = dtypes.Values.Sum();
        var fp8 = dtypes.Where(d => fp8Names.Contains(d.Key, StringComparer.OrdinalIgnoreCase) || d.Key.StartsWith("F8_", StringComparison.OrdinalIgnoreCase)).ToList();
        var dtypeList = new NoteList([.. dtypes.OrderByDescending(d => d.Value).Select(d => new NoteCount(d.Key, d.Value))]);
        var tag = new NoteText(pipelineTag);
        if (fp8.Count == 0)
        {
            return (Verdicts.Inconsistent, new ClaimNote("fp8-none", [dtypeList, tag]));
        }

        var share = total == 0 ? 0 : fp8.Sum(d => d.Value) * 100.0 / total;
        var video = pipelineTag is not null && pipelineTag.Contains("video", StringComparison.OrdinalIgnoreCase);
        return video
            ? (Verdicts.Consistent, new ClaimNote("fp8-video", [new NoteNumber(share), dtypeList, tag]))
            : (Verdicts.Inconsistent, new ClaimNote("fp8-not-video", [new NoteNumber(share), dtypeList, tag]));
    }

    /// <summary>The modalities a Hugging Face pipeline tag takes in or gives out.</summary>
    public static IReadOnlyList<string> ModalitiesOf(string? pipelineTag) => pipelineTag switch
    {
        null => [],
        "any-to-any" => ["text", "image", "audio", "video"],
        "image-text-to-text" or "text-to-image" or "image-to-text" or "visual-question-answering" or "document-question-answering" => ["text", "image"],
        "image-to-image" or "image-classification" or "image-feature-extraction" or "object-detection" or "image-segmentation" or "image-to-3d"
            or "depth-estimation" or "zero-shot-image-classification" or "mask-generation" => ["image"],
        "automatic-speech-recognition" or "text-to-speech" or "text-to-audio" or "audio-text-to-text" => ["text", "audio"],
        "audio-to-audio" or "audio-classification" or "voice-activity-detection" => ["audio"],
        "video-text-to-text" or "text-to-video" => ["text", "video"],
        "image-to-video" => ["image", "video"],
        "video-classification" or "video-to-video" => ["video"],
        "text-to-3d" => ["text"],
        _ when pipelineTag.StartsWith("text", StringComparison.Ordinal) || pipelineTag is "feature-extraction" or "sentence-similarity" or "fill-mask"
            or "translation" or "summarization" or "question-answering" or "token-classification" or "zero-shot-classification" or "table-question-answering" => ["text"],
        _ => [],
    };
}
