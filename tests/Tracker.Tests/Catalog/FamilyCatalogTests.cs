using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Tracker.Core.Catalog;
using Tracker.Testing;

namespace Tracker.Tests.Catalog;

public sealed class FamilyCatalogTests
{
    private static FamilyCatalog FromConfig(Dictionary<string, string?> settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new TrackerOptions();
        config.GetSection(TrackerOptions.SectionName).Bind(options);
        return new FamilyCatalog(options);
    }

    private static readonly FamilyCatalog Defaults = new(new TrackerOptions());

    [Theory]
    [InlineData("Qwen/Qwen3-8B", "qwen")]
    [InlineData("qwen/QWEN3-8B", "qwen")]
    [InlineData("deepseek-ai/DeepSeek-R1", "deepseek")]
    [InlineData("tencent/Hunyuan-A13B-Instruct", "hunyuan")]
    [InlineData("tencent/HunyuanVideo", "hunyuan")]
    [InlineData("tencent/Hy3-preview", "hunyuan")]
    [InlineData("Tencent/hy2-small", "hunyuan")]
    [InlineData("Tencent-Hunyuan/HunyuanDiT-v1.2", "hunyuan")]
    [InlineData("tencent/SRPO-x", null)]
    [InlineData("tencent/HY-Motion-1.0", null)]
    [InlineData("tencent/Youtu-LLM-2B", null)]
    [InlineData("baidu/ERNIE-4.5-21B-A3B-PT", "ernie")]
    [InlineData("PaddlePaddle/ernie-3.0-base-zh", "ernie")]
    [InlineData("PaddlePaddle/PaddleOCR-VL", null)]
    [InlineData("baidu/Qianfan-OCR", null)]
    [InlineData("meta-llama/Llama-3.1-8B", null)]
    [InlineData("no-slash", null)]
    public void Default_Rules_Match_Case_Insensitively_And_Skip_Distractors(string repo, string? family) =>
        Assert.Equal(family, Defaults.Match(Platform.HuggingFace, repo)?.Id);

    [Fact]
    public void Default_Rules_Agree_With_The_Generated_Ground_Truth()
    {
        foreach (var model in Ecosystem.Generate(seed: 5, perFamily: 30))
        {
            Assert.Equal(model.Family, Defaults.Match(Platform.HuggingFace, model.Id)?.Id);
        }
    }

    [Fact]
    public void Orgs_Are_Listed_Once_Each()
    {
        Assert.Equal(["Qwen", "deepseek-ai", "tencent", "Tencent-Hunyuan", "baidu", "PaddlePaddle"], Defaults.OrgsFor(Platform.HuggingFace));
        Assert.Contains("PaddlePaddle", Defaults.OrgsFor(Platform.GitHub));
    }

    [Fact]
    public void An_Orgs_Families_Are_Those_With_A_Rule_Naming_It_Or_One_Of_Its_Repositories()
    {
        var catalog = FromConfig(new()
        {
            ["Tracker:Families:llama:Name"] = "Llama",
            ["Tracker:Families:llama:Vendor"] = "Meta",
            ["Tracker:Families:llama:HuggingFace:0:Repo"] = "Qwen/Llama-Port",
        });

        // An org's listing recomputes these families' daily totals, so each family with a model there must be named.
        Assert.Equal(["qwen", "llama"], catalog.FamiliesListedIn(Platform.HuggingFace, "qwen"));
        Assert.Equal(["hunyuan"], catalog.FamiliesListedIn(Platform.HuggingFace, "Tencent-Hunyuan"));
        Assert.Empty(catalog.FamiliesListedIn(Platform.HuggingFace, "meta-llama"));
    }

    [Fact]
    public void A_Family_Is_Added_By_Configuration_Alone()
    {
        var catalog = FromConfig(new()
        {
            ["Tracker:Families:llama:Name"] = "Llama",
            ["Tracker:Families:llama:Vendor"] = "Meta",
            ["Tracker:Families:llama:HuggingFace:0:Org"] = "meta-llama",
            ["Tracker:Families:llama:HuggingFace:0:Contains:0"] = "llama",
        });

        Assert.Equal(["qwen", "deepseek", "hunyuan", "ernie", "llama"], catalog.Families.Select(f => f.Id));
        Assert.Equal("llama", catalog.Match(Platform.HuggingFace, "meta-llama/Llama-3.1-8B")?.Id);
        Assert.Null(catalog.Match(Platform.HuggingFace, "meta-llama/CodeShield"));
        Assert.Contains("meta-llama", catalog.OrgsFor(Platform.HuggingFace));
    }

    [Fact]
    public void Renaming_A_Built_In_Family_Keeps_Its_Rules_Unless_They_Are_Replaced()
    {
        var catalog = FromConfig(new()
        {
            ["Tracker:Families:qwen:Name"] = "通义千问",
            ["Tracker:Families:deepseek:HuggingFace:0:Org"] = "deepseek-ai",
            ["Tracker:Families:deepseek:HuggingFace:0:Contains:0"] = "r1",
        });

        Assert.Equal("通义千问", catalog.Find("qwen")!.Name);
        Assert.Equal("qwen", catalog.Match(Platform.HuggingFace, "Qwen/Qwen3-8B")?.Id);
        Assert.Equal("QwenLM", catalog.Find("qwen")!.Rules[Platform.GitHub].Single().Org);
        Assert.Equal("deepseek", catalog.Match(Platform.HuggingFace, "deepseek-ai/DeepSeek-R1")?.Id);
        Assert.Null(catalog.Match(Platform.HuggingFace, "deepseek-ai/DeepSeek-V3"));
        Assert.Equal("deepseek-ai", catalog.Find("deepseek")!.Rules[Platform.ModelScope].Single().Org);
    }

    [Fact]
    public void A_Built_In_Family_Can_Be_Disabled()
    {
        var catalog = FromConfig(new() { ["Tracker:Families:ernie:Enabled"] = "false" });

        Assert.DoesNotContain(catalog.Families, f => f.Id == "ernie");
        Assert.Null(catalog.Match(Platform.HuggingFace, "baidu/ERNIE-4.5-0.3B-PT"));
    }

    [Fact]
    public void A_Model_Belongs_To_At_Most_One_Family_The_First_In_Catalogue_Order()
    {
        var catalog = FromConfig(new()
        {
            ["Tracker:Families:qwen-coder:HuggingFace:0:Org"] = "Qwen",
            ["Tracker:Families:qwen-coder:HuggingFace:0:Contains:0"] = "coder",
        });

        Assert.Equal("qwen", catalog.Match(Platform.HuggingFace, "Qwen/Qwen2.5-Coder-7B")?.Id);
    }

    [Fact]
    public void An_Invalid_Rule_Fails_With_A_Message_Naming_It()
    {
        var error = Assert.Throws<OptionsValidationException>(() => FromConfig(new()
        {
            ["Tracker:Families:bad:HuggingFace:0:Org"] = "x",
            ["Tracker:Families:bad:HuggingFace:0:Patterns:0"] = "([",
        }));

        Assert.Contains("Tracker:Families:bad:huggingface:0", error.Message, StringComparison.Ordinal);
    }
}
