using System.Globalization;
using System.Text.Json.Serialization;

namespace Tracker.Core.Claims;

/// <summary>
/// A sentence Tracker writes about a claim (what a measurement found, a chart series' name), as data: <see cref="Key"/>
/// names the sentence and <see cref="Args"/> fill it in order, so a page can word it in its reader's language with its
/// own number and date formats. <see cref="English"/> is the sentence the API serves (a measurement's <c>valueText</c>).
/// </summary>
public sealed record ClaimNote(string Key, IReadOnlyList<NoteArg> Args)
{
    /// <summary>The English sentences, by key: the API's wording. The dashboard's are in its resources (<c>Note.{key}</c>).</summary>
    public static readonly IReadOnlyDictionary<string, string> Sentences = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["models-on-day"] = "{0} models on {1}",
        ["derivatives-on-day"] = "{0} derivatives on {1}",
        ["downloads-on-day"] = "{0} downloads on {1}",
        ["no-value"] = "no value",
        ["no-models"] = "no model of the family has been collected yet",
        ["no-derivatives"] = "no derivative of the family has been listed yet",
        ["no-downloads"] = "no download snapshot yet",
        ["no-tagged-models"] = "no model with a pipeline tag created by the date",
        ["no-wave-models"] = "no model of these families has been collected yet",
        ["modalities-covered"] = "{0} of {1} covered ({2})",
        ["modalities-missing"] = "{0} of {1} covered ({2}); missing: {3}",
        ["wave"] = "{0} new repositories in {1}",
        ["ranking-none"] = "no ranking recorded or imported for {0}",
        ["ranking-none-latest"] = "no ranking recorded or imported for {0}; latest Hugging Face trending on {1}: {2} of the top {3} from China, {4} unknown",
        ["ranking"] = "{0} ranking(s) in {1}; fewest Chinese in the top {2}: {3} ({4}, {5}; {6} unknown)",
        ["reception-none"] = "no Hunyuan3D-Omni repository with a creation date collected",
        ["reception"] = "{0} derivative(s) of Hunyuan3D-Omni within {1} days of {2}",
        ["fp8-no-model"] = "deepseek-ai/DeepSeek-R1 has not been collected",
        ["fp8-no-dtypes"] = "no safetensors dtypes known for the model",
        ["fp8-none"] = "no FP8 weights ({0}); pipeline tag {1}",
        ["fp8-video"] = "FP8 weights: {0}% of parameters ({1}); pipeline tag {2}",
        ["fp8-not-video"] = "FP8 weights: {0}% of parameters ({1}); but the pipeline tag is {2}, not video generation",
        ["not-measured"] = "not measured yet",
        ["not-measurable"] = "not measurable",

        // The claims' chart series.
        ["series-models"] = "{0}: models (Hugging Face + ModelScope)",
        ["series-derivatives"] = "{0}: derivatives (Hugging Face)",
        ["series-downloads"] = "{0}: all-time downloads (both hubs)",
        ["series-family"] = "{0}",
        ["series-trending"] = "Hugging Face trending: Chinese in the top {0}",
        ["series-imported"] = "Imported ranking: Chinese in the top {0}",
        ["series-hunyuan3d-derivatives"] = "Hunyuan3D derivatives (Hugging Face, by creation date)",
        ["series-modalities"] = "{0}: models per modality by {1}",
        ["series-dtypes"] = "DeepSeek-R1: parameters per dtype",
    };

    public string English => string.Format(CultureInfo.InvariantCulture, Sentences[Key], [.. Args.Select(a => a.English)]);
}

/// <summary>One value in a <see cref="ClaimNote"/>; each kind is formatted (or translated) by the page that shows it.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(NoteNumber), "number")]
[JsonDerivedType(typeof(NoteDay), "day")]
[JsonDerivedType(typeof(NoteMonth), "month")]
[JsonDerivedType(typeof(NoteText), "text")]
[JsonDerivedType(typeof(NoteTerm), "term")]
[JsonDerivedType(typeof(NoteCount), "count")]
[JsonDerivedType(typeof(NoteList), "list")]
public abstract record NoteArg
{
    [JsonIgnore]
    public abstract string English { get; }

    internal static string Number(double value) => value.ToString(value == Math.Floor(value) ? "N0" : "0.#", CultureInfo.InvariantCulture);
}

public sealed record NoteNumber(double Value) : NoteArg
{
    public override string English => Number(Value);
}

public sealed record NoteDay(DateOnly Value) : NoteArg
{
    public override string English => Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

public sealed record NoteMonth(DateOnly Value) : NoteArg
{
    public override string English => Value.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>Text shown as it is (a pipeline tag, a dtype); null reads "none".</summary>
public sealed record NoteText(string? Value) : NoteArg
{
    public override string English => Value ?? "none";
}

/// <summary>A word from a closed set that a page translates: <c>Modality.video</c>, <c>Origin.imported</c>.</summary>
public sealed record NoteTerm(string Group, string Value) : NoteArg
{
    public override string English => Value;
}

/// <summary>A name with its count: "Qwen 12", "F8_E4M3 650,000".</summary>
public sealed record NoteCount(string Name, double Count) : NoteArg
{
    public override string English => $"{Name} {Number(Count)}";
}

public sealed record NoteList(IReadOnlyList<NoteArg> Items) : NoteArg
{
    public override string English => string.Join(", ", Items.Select(i => i.English));
}
