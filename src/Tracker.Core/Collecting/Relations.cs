namespace Tracker.Core.Collecting;

/// <summary>How a derivative relates to its base, as the Hub infers it (https://huggingface.co/docs/hub/model-cards#specifying-a-base-model).</summary>
public static class Relations
{
    public const string Finetune = "finetune";
    public const string Quantized = "quantized";
    public const string Adapter = "adapter";
    public const string Merge = "merge";

    public static readonly IReadOnlyList<string> All = [Finetune, Quantized, Adapter, Merge];
}
