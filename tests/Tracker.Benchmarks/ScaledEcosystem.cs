using Tracker.Testing;

namespace Tracker.Benchmarks;

/// <summary>
/// The benchmark's ecosystem, deterministic for a seed and a scale. At scale 1: 2,000 family models on Hugging Face over
/// the catalogue orgs (plus 400 distractors in the shared orgs), 200,000 derivatives skewed over them (a power law by
/// rank: the biggest base has thousands of children, 40% of the models have none), 1,000 ModelScope models and 300
/// GitHub repositories with releases (a few with more than one page of them). Scale N multiplies every count.
/// </summary>
public sealed class ScaledEcosystem
{
    public required List<FakeModel> HuggingFace { get; init; }
    public required Dictionary<string, List<FakeChild>> Children { get; init; }
    public required List<FakeModel> ModelScope { get; init; }
    public required List<(FakeGitHubRepo Repo, string? Family)> GitHub { get; init; }

    private static readonly DateTime Start = new(2023, 8, 1, 0, 0, 0, DateTimeKind.Utc);
    /// <summary>Every generated child is older than this, so that children added "tomorrow" are the newest.</summary>
    private static readonly DateTime LatestChild = new(2026, 10, 31, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Relations = ["finetune", "quantized", "adapter", "merge"];

    public static ScaledEcosystem Generate(int scale, int seed = 7)
    {
        var random = new Random(seed);
        var hf = new List<FakeModel>();
        var n = 0;
        FakeModel Model(string id, string? family) => new(
            id, family, Start.AddDays(random.Next(0, 800)).AddSeconds(random.Next(0, 86400)),
            Downloads: random.Next(0, 400_000), DownloadsAllTime: random.Next(0, 5_000_000), Likes: random.Next(0, 3000),
            Tags: ["transformers", "safetensors", $"license:{(n++ % 3 == 0 ? "apache-2.0" : "other")}", "region:us"],
            Gated: false, ParameterTotal: (long)random.Next(1, 700) * 100_000_000);

        // 2,000 family models per scale unit, in the proportions of the real orgs.
        (string Prefix, string Family, int Share)[] families =
        [
            ("Qwen/Qwen3-{0}B-Instruct", "qwen", 700), ("deepseek-ai/DeepSeek-V{0}", "deepseek", 300),
            ("tencent/Hunyuan-{0}B", "hunyuan", 200), ("Tencent-Hunyuan/HunyuanVideo-{0}", "hunyuan", 200),
            ("baidu/ERNIE-4.5-{0}B-PT", "ernie", 300), ("PaddlePaddle/ERNIE-{0}-Paddle", "ernie", 300),
        ];
        foreach (var (prefix, family, share) in families)
        {
            for (var i = 0; i < share * scale; i++)
            {
                hf.Add(Model(string.Format(System.Globalization.CultureInfo.InvariantCulture, prefix, i), family));
            }
        }

        // Distractors in the shared orgs: listed (they cost list pages), never counted, no detail request.
        (string Prefix, int Share)[] distractors = [("tencent/Youtu-LLM-{0}", 200), ("baidu/Qianfan-OCR-{0}", 100), ("PaddlePaddle/PP-OCRv5-{0}", 100)];
        foreach (var (prefix, share) in distractors)
        {
            for (var i = 0; i < share * scale; i++)
            {
                hf.Add(Model(string.Format(System.Globalization.CultureInfo.InvariantCulture, prefix, i), null));
            }
        }

        var children = GenerateChildren(hf.Where(m => m.Family is not null).ToList(), 200_000 * scale, random);
        return new ScaledEcosystem
        {
            HuggingFace = hf,
            Children = children,
            ModelScope = GenerateModelScope(scale, random),
            GitHub = GenerateGitHub(scale, random),
        };
    }

    /// <summary>
    /// <paramref name="total"/> children over 60% of the family models, by a power law of rank (c ∝ 1/r^0.9): at scale 1
    /// the biggest base has about 18,000 children, a few dozen have more than 1,000 (more than one lineage page).
    /// </summary>
    private static Dictionary<string, List<FakeChild>> GenerateChildren(List<FakeModel> family, int total, Random random)
    {
        var bases = family.OrderBy(_ => random.Next()).Take(family.Count * 6 / 10).ToList();
        var weights = bases.Select((_, r) => 1 / Math.Pow(r + 1, 0.9)).ToArray();
        var sum = weights.Sum();
        var counts = weights.Select(w => (int)Math.Floor(total * w / sum)).ToArray();
        for (var i = 0; total - counts.Sum() > 0; i = (i + 1) % counts.Length)
        {
            counts[i]++;
        }

        var tree = new Dictionary<string, List<FakeChild>>(StringComparer.OrdinalIgnoreCase);
        var n = 0;
        for (var b = 0; b < bases.Count; b++)
        {
            if (counts[b] == 0)
            {
                continue;
            }

            var model = bases[b];
            var name = model.Id.Split('/')[1];
            var list = new List<FakeChild>(counts[b]);
            for (var i = 0; i < counts[b]; i++)
            {
                list.Add(new FakeChild(
                    $"user{n % 997}/{name}-derivative-{n++}",
                    Relations[random.Next(Relations.Length)],
                    Min(model.CreatedAt!.Value.AddDays(random.Next(1, 700)).AddSeconds(random.Next(0, 86400)), LatestChild),
                    random.Next(0, 10_000), random.Next(0, 100_000), random.Next(0, 50)));
            }

            tree[model.Id] = list;
        }

        return tree;
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>1,000 ModelScope models per scale unit (Qwen 40%: past the OpenAPI's 3,000 window from scale 8 on).</summary>
    private static List<FakeModel> GenerateModelScope(int scale, Random random)
    {
        var models = new List<FakeModel>();
        (string Prefix, string? Family, int Share)[] orgs =
        [
            ("Qwen/Qwen3-ms-{0}", "qwen", 400), ("deepseek-ai/DeepSeek-ms-{0}", "deepseek", 150),
            ("Tencent-Hunyuan/Hunyuan-ms-{0}", "hunyuan", 150), ("PaddlePaddle/ERNIE-ms-{0}", "ernie", 200), ("PaddlePaddle/PaddleOCR-ms-{0}", null, 100),
        ];
        foreach (var (prefix, family, share) in orgs)
        {
            for (var i = 0; i < share * scale; i++)
            {
                models.Add(new FakeModel(
                    string.Format(System.Globalization.CultureInfo.InvariantCulture, prefix, i), family,
                    Start.AddDays(random.Next(0, 800)), null, random.Next(0, 3_000_000), random.Next(0, 500)));
            }
        }

        return models;
    }

    /// <summary>300 repositories per scale unit over the catalogue's GitHub orgs (Tencent with distractors), 0–30 releases each, a few with 150.</summary>
    private static List<(FakeGitHubRepo Repo, string? Family)> GenerateGitHub(int scale, Random random)
    {
        var id = 1000L;
        FakeGitHubRepo Repo(string owner, string name, int releases) => new(
            owner, name, id++, random.Next(100, 90_000), random.Next(10, 9_000), random.Next(5, 900), random.Next(0, 400),
            Archived: id % 17 == 0,
            CreatedAt: new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(random.Next(0, 600)),
            Releases: [.. Enumerable.Range(0, releases).Select(r => new FakeGitHubRelease(
                id * 1000 + r, $"v{r + 1}.0", $"Release {r + 1}", new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(random.Next(0, 300)),
                [random.Next(0, 5000), random.Next(0, 100)], Prerelease: r % 7 == 1))]);

        var repos = new List<(FakeGitHubRepo, string?)>();
        (string Owner, string Name, string? Family, int Share)[] orgs =
        [
            ("QwenLM", "Qwen-tool-{0}", "qwen", 90), ("deepseek-ai", "DeepSeek-lib-{0}", "deepseek", 60),
            ("Tencent-Hunyuan", "Hunyuan-app-{0}", "hunyuan", 69), ("Tencent", "HunyuanDiT-{0}", "hunyuan", 40), ("Tencent", "ncnn-{0}", null, 40),
        ];
        var k = 0;
        foreach (var (owner, name, family, share) in orgs)
        {
            for (var i = 0; i < share * scale; i++)
            {
                var releases = k++ % 50 == 0 ? 150 : random.Next(0, 31);
                repos.Add((Repo(owner, string.Format(System.Globalization.CultureInfo.InvariantCulture, name, i), releases), family));
            }
        }

        // The single-repository rule (PaddlePaddle/ERNIE); its org is not listed.
        repos.Add((Repo("PaddlePaddle", "ERNIE", 12), "ernie"));
        return repos;
    }

    /// <summary>
    /// The fewest requests one full first collection can make, from the ground truth: every listing page, one
    /// childrenModelCount per family model, every lineage page of each base with children, GitHub org listing pages and,
    /// per family repository, one GET and its release pages.
    /// </summary>
    public Dictionary<string, int> MinimumRequests(int hfPageSize = 1000, int msPageSize = 50, int ghPageSize = 100)
    {
        static int Pages(int items, int size) => Math.Max(1, (items + size - 1) / size);
        string[] hfOrgs = ["Qwen", "deepseek-ai", "tencent", "Tencent-Hunyuan", "baidu", "PaddlePaddle"];
        var hfList = hfOrgs.Sum(o => Pages(HuggingFace.Count(m => string.Equals(m.Author, o, StringComparison.OrdinalIgnoreCase)), hfPageSize));
        var hf = hfList + HuggingFace.Count(m => m.Family is not null)
                 + Children.Values.Sum(c => c.Count == 0 ? 0 : Pages(c.Count, hfPageSize));
        string[] msOrgs = ["Qwen", "deepseek-ai", "Tencent-Hunyuan", "PaddlePaddle"];
        var ms = msOrgs.Sum(o =>
        {
            var count = ModelScope.Count(m => string.Equals(m.Author, o, StringComparison.OrdinalIgnoreCase));
            // Past the OpenAPI window the first OpenAPI page only tells the total; the legacy listing then serves it all.
            return Pages(count, msPageSize) + (count > 3000 ? 1 : 0);
        });
        string[] ghOrgs = ["QwenLM", "deepseek-ai", "Tencent-Hunyuan", "Tencent"];
        var gh = ghOrgs.Sum(o => Pages(GitHub.Count(r => string.Equals(r.Repo.Owner, o, StringComparison.OrdinalIgnoreCase)), ghPageSize))
                 + GitHub.Where(r => r.Family is not null).Sum(r => 1 + Pages(r.Repo.Releases?.Count ?? 0, ghPageSize));
        return new Dictionary<string, int> { ["huggingface"] = hf, ["modelscope"] = ms, ["github"] = gh, ["huggingface.list"] = hfList };
    }
}
