namespace Tracker.Testing;

/// <summary>Per-family sums a test expects, from the generator's ground truth. Null when no model reported the field.</summary>
public sealed record ExpectedTotals(int Models, long? DownloadsAllTime, long? Downloads30d, long? Likes);

/// <summary>
/// A generated Hugging Face ecosystem for the four built-in families, with distractors in the shared orgs (tencent,
/// baidu, PaddlePaddle) that must not count, and the quirks of the real API: gated as bool or string, the createdAt
/// sentinel, fields left out. Deterministic for a seed.
/// </summary>
public static class Ecosystem
{
    public static readonly DateTime Sentinel = new(2022, 3, 2, 23, 29, 4, DateTimeKind.Utc);

    public static List<FakeModel> Generate(int seed = 1, int perFamily = 12, bool hostileName = false)
    {
        var random = new Random(seed);
        var models = new List<FakeModel>();
        var start = new DateTime(2023, 8, 1, 0, 0, 0, DateTimeKind.Utc);
        object?[] gated = [false, "auto", "manual", true, null];
        string[] pipelines = ["text-generation", "image-text-to-text", "text-to-image", "feature-extraction", "text-to-3d", "automatic-speech-recognition"];

        FakeModel Make(string id, string? family, int i)
        {
            var created = i % 11 == 5 ? Sentinel : i % 13 == 7 ? (DateTime?)null : start.AddDays(random.Next(0, 800)).AddSeconds(random.Next(0, 86400));
            var allTime = i % 9 == 4 ? (long?)null : random.Next(0, 5_000_000);
            var total = (long)random.Next(1, 700) * 100_000_000;
            return new FakeModel(
                id, family, created,
                Downloads: random.Next(0, 400_000),
                DownloadsAllTime: allTime,
                Likes: i % 10 == 3 ? null : random.Next(0, 3000),
                PipelineTag: pipelines[random.Next(pipelines.Length)],
                Tags: ["transformers", "safetensors", $"license:{(i % 3 == 0 ? "apache-2.0" : "other")}", "region:us"],
                Gated: gated[i % gated.Length],
                ParameterTotal: i % 4 == 0 ? null : total,
                ParameterDtypes: i % 8 == 1 ? new Dictionary<string, long> { ["F8_E4M3"] = total - 1000, ["BF16"] = 1000 } : null);
        }

        var n = 0;
        for (var i = 0; i < perFamily; i++)
        {
            models.Add(Make($"Qwen/Qwen3-{i}B-Instruct", "qwen", n++));
            models.Add(Make($"deepseek-ai/DeepSeek-V{i}", "deepseek", n++));
            models.Add(Make(i % 3 == 0 ? $"tencent/Hunyuan-{i}B" : i % 3 == 1 ? $"tencent/Hy{i % 9 + 1}-Variant{i}" : $"Tencent-Hunyuan/HunyuanDiT-v{i}", "hunyuan", n++));
            models.Add(Make(i % 2 == 0 ? $"baidu/ERNIE-4.5-{i}B-PT" : $"PaddlePaddle/ernie-{i}-paddle", "ernie", n++));
        }

        // Distractors: same orgs, not the family.
        foreach (var id in new[]
        {
            "tencent/Youtu-LLM-2B", "tencent/SongGeneration", "tencent/DepthCrafter", "tencent/HY-Motion-1.0", "tencent/hyper-parameter-notes",
            "baidu/Qianfan-OCR", "baidu/bert-base-chinese-distil", "PaddlePaddle/PaddleOCR-VL", "PaddlePaddle/PP-OCRv5_server_det",
        })
        {
            models.Add(Make(id, null, n++));
        }

        // Other orgs entirely.
        models.Add(Make("meta-llama/Llama-3.1-8B", null, n++));
        models.Add(Make("moonshotai/Kimi-K2-Instruct", null, n++));

        if (hostileName)
        {
            models.Add(Make("Qwen/<img src=x onerror=alert(1)>", "qwen", n++) with { DownloadsAllTime = 7, CreatedAt = start });
        }

        return models;
    }

    public static readonly string[] RelationNames = ["finetune", "quantized", "adapter", "merge"];

    /// <summary>Children for the family models: about <paramref name="average"/> each (some none), created after their base.</summary>
    public static Dictionary<string, List<FakeChild>> GenerateChildren(IEnumerable<FakeModel> models, int seed = 1, int average = 6)
    {
        var random = new Random(seed);
        var tree = new Dictionary<string, List<FakeChild>>(StringComparer.OrdinalIgnoreCase);
        var n = 0;
        foreach (var model in models.Where(m => m.Family is not null))
        {
            var count = random.Next(0, average * 2 + 1);
            if (count == 0)
            {
                continue;
            }

            var born = model.CreatedAt is { } c && c != Sentinel ? c : new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            tree[model.Id] = [.. Enumerable.Range(0, count).Select(_ => new FakeChild(
                $"user{n % 97}/{model.Id.Split('/')[1]}-derivative-{n++}",
                RelationNames[random.Next(RelationNames.Length)],
                born.AddDays(random.Next(1, 700)).AddSeconds(random.Next(0, 86400)),
                random.Next(0, 10_000), random.Next(0, 100_000), random.Next(0, 50)))];
        }

        return tree;
    }

    /// <summary>Children of a family's models per relation, created by the end of <paramref name="day"/> (all when null).</summary>
    public static Dictionary<string, int> ChildrenBy(IEnumerable<FakeModel> models, IReadOnlyDictionary<string, List<FakeChild>> tree, string family, DateOnly? day = null)
    {
        var mine = models.Where(m => m.Family == family).Select(m => m.Id).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var children = tree.Where(kv => mine.Contains(kv.Key)).SelectMany(kv => kv.Value)
            .Where(c => day is null || DateOnly.FromDateTime(c.CreatedAt) <= day).ToList();
        return RelationNames.ToDictionary(r => r, r => children.Count(c => c.Relation == r));
    }

    private static readonly Dictionary<string, string> ModelScopeOrgs = new(StringComparer.Ordinal)
    {
        ["qwen"] = "Qwen",
        ["deepseek"] = "deepseek-ai",
        ["hunyuan"] = "Tencent-Hunyuan",
        ["ernie"] = "PaddlePaddle",
    };

    /// <summary>
    /// ModelScope's side of the same ecosystem: every other Hugging Face family model again under the family's ModelScope
    /// org (same name: one model across hubs), two ModelScope-only models per family, and a PaddlePaddle distractor.
    /// </summary>
    public static List<FakeModel> GenerateModelScope(IEnumerable<FakeModel> huggingFace, int seed = 1)
    {
        var random = new Random(seed);
        var models = new List<FakeModel>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in huggingFace.Where(m => m.Family is not null))
        {
            var i = seen[m.Family!] = seen.GetValueOrDefault(m.Family!) + 1;
            if (i % 2 == 1)
            {
                models.Add(m with
                {
                    Id = $"{ModelScopeOrgs[m.Family!]}/{m.Id.Split('/')[1]}",
                    CreatedAt = m.CreatedAt is { } c && c != Sentinel ? c.AddDays(1) : null,
                    Downloads = null,
                    DownloadsAllTime = i % 5 == 0 ? null : random.Next(0, 3_000_000),
                    Likes = random.Next(0, 500),
                });
            }
        }

        foreach (var (family, org) in ModelScopeOrgs)
        {
            for (var k = 0; k < 2; k++)
            {
                var name = family == "ernie" ? $"ERNIE-ms-only-{k}" : $"{org}-ms-only-{k}";
                models.Add(new FakeModel($"{org}/{name}", family, new DateTime(2025, 5, 1 + k, 0, 0, 0, DateTimeKind.Utc), null, random.Next(0, 100_000), random.Next(0, 100)));
            }
        }

        models.Add(new FakeModel("PaddlePaddle/PaddleOCR-VL-ms", null, new DateTime(2025, 10, 1, 0, 0, 0, DateTimeKind.Utc), null, 999_999, 9));
        return models;
    }

    /// <summary>A family's models across both hubs, one per name (case-insensitive, owner aside).</summary>
    public static int DistinctModels(IEnumerable<FakeModel> huggingFace, IEnumerable<FakeModel> modelScope, string family) =>
        huggingFace.Concat(modelScope).Where(m => m.Family == family).Select(m => m.Id.Split('/')[1].ToLowerInvariant()).Distinct().Count();

    /// <summary>GitHub repositories for the four families, with distractors, an archived repository and releases with assets.</summary>
    public static List<(FakeGitHubRepo Repo, string? Family)> GenerateGitHub(int seed = 1)
    {
        var random = new Random(seed);
        var id = 1000L;
        FakeGitHubRepo Repo(string owner, string name, bool archived = false, int releases = 2) => new(
            owner, name, id++, random.Next(100, 90_000), random.Next(10, 9_000), random.Next(5, 900), random.Next(0, 400), archived,
            CreatedAt: new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(random.Next(0, 600)),
            Releases: [.. Enumerable.Range(0, releases).Select(r => new FakeGitHubRelease(
                id * 10 + r, $"v{r + 1}.0", $"Release {r + 1}", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(random.Next(0, 300)),
                [random.Next(0, 5000), random.Next(0, 100)], Prerelease: r == 1))]);

        return
        [
            (Repo("QwenLM", "Qwen3"), "qwen"), (Repo("QwenLM", "qwen-code"), "qwen"), (Repo("QwenLM", "Qwen-Agent", archived: true, releases: 0), "qwen"),
            (Repo("deepseek-ai", "DeepSeek-V3"), "deepseek"), (Repo("deepseek-ai", "DeepEP", releases: 1), "deepseek"),
            (Repo("Tencent-Hunyuan", "Hunyuan3D-2.1"), "hunyuan"), (Repo("Tencent-Hunyuan", "HunyuanVideo"), "hunyuan"),
            (Repo("Tencent", "HunyuanDiT", releases: 1), "hunyuan"), (Repo("Tencent", "ncnn"), null), (Repo("Tencent", "rapidjson", releases: 0), null),
            (Repo("PaddlePaddle", "ERNIE"), "ernie"), (Repo("PaddlePaddle", "Paddle"), null),
        ];
    }

    public static ExpectedTotals Expected(IEnumerable<FakeModel> models, string family)
    {
        var mine = models.Where(m => m.Family == family).ToList();
        static long? Sum(IEnumerable<long?> values) => values.Any(v => v is not null) ? values.Sum(v => v ?? 0) : null;
        return new ExpectedTotals(mine.Count, Sum(mine.Select(m => m.DownloadsAllTime)), Sum(mine.Select(m => m.Downloads)), Sum(mine.Select(m => m.Likes)));
    }

    /// <summary>The models of a family created by the end of <paramref name="day"/>, by the generator's own dates.</summary>
    public static int CreatedBy(IEnumerable<FakeModel> models, string family, DateOnly day) =>
        models.Count(m => m.Family == family && m.CreatedAt is { } c && c != Sentinel && DateOnly.FromDateTime(c) <= day);
}
