namespace Tracker.Core.Catalog;

/// <summary>
/// The four families Tracker was created for. Configuration under <c>Tracker:Families</c> adds families
/// or replaces one of these by id; the defaults live in code so appsettings.json only holds what differs.
/// </summary>
public static class CatalogDefaults
{
    public static IReadOnlyList<(string Id, FamilyOptions Family)> Families { get; } =
    [
        ("qwen", new FamilyOptions
        {
            Name = "Qwen", Vendor = "Alibaba",
            HuggingFace = [new() { Org = "Qwen" }],
            ModelScope = [new() { Org = "Qwen" }],
            GitHub = [new() { Org = "QwenLM" }],
        }),
        ("deepseek", new FamilyOptions
        {
            Name = "DeepSeek", Vendor = "DeepSeek",
            HuggingFace = [new() { Org = "deepseek-ai" }],
            ModelScope = [new() { Org = "deepseek-ai" }],
            GitHub = [new() { Org = "deepseek-ai" }],
        }),
        ("hunyuan", new FamilyOptions
        {
            Name = "Hunyuan", Vendor = "Tencent",
            // The tencent org also hosts unrelated models; Hunyuan ones say so in the name or use the Hy<digit> prefix.
            HuggingFace = [new() { Org = "tencent", Contains = ["hunyuan"], Patterns = [@"^Hy\d"] }, new() { Org = "Tencent-Hunyuan" }],
            ModelScope = [new() { Org = "Tencent-Hunyuan" }],
            GitHub = [new() { Org = "Tencent-Hunyuan" }, new() { Org = "Tencent", Patterns = ["^Hunyuan"] }],
        }),
        ("ernie", new FamilyOptions
        {
            Name = "ERNIE", Vendor = "Baidu",
            HuggingFace = [new() { Org = "baidu", Contains = ["ernie"] }, new() { Org = "PaddlePaddle", Contains = ["ernie"] }],
            ModelScope = [new() { Org = "PaddlePaddle", Contains = ["ernie"] }],
            GitHub = [new() { Repo = "PaddlePaddle/ERNIE" }],
        }),
    ];
}
