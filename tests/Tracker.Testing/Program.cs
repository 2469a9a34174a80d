using System.Globalization;
using Tracker.Testing;

// Fake Hugging Face, ModelScope and GitHub servers on loopback, for trying Tracker without the internet:
//   dotnet run --project tests/Tracker.Testing -- [first-port] [models-per-family] [seed]
// serves Hugging Face on first-port, ModelScope on first-port+1 and GitHub on first-port+2, and prints the
// settings that point Tracker at them and the totals Tracker should then show.
var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5090;
var perFamily = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 25;
var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;

var hfModels = Ecosystem.Generate(seed, perFamily);
var msModels = Ecosystem.GenerateModelScope(hfModels, seed);
var repos = Ecosystem.GenerateGitHub(seed);
await using var hub = await FakeHuggingFaceHub.StartAsync(hfModels, port);
foreach (var (id, children) in Ecosystem.GenerateChildren(hfModels, seed))
{
    hub.Children[id] = children;
}

await using var modelScope = await FakeModelScopeHub.StartAsync(msModels, port + 1);
await using var github = await FakeGitHub.StartAsync(port: port + 2);
github.Add([.. repos.Select(r => r.Repo)]);

Console.WriteLine("Fake hubs on loopback. Point Tracker at them with:");
Console.WriteLine($"  HF_ENDPOINT={hub.Endpoint} MODELSCOPE_ENDPOINT={modelScope.Endpoint} GITHUB_API_URL={github.ApiUrl}");
Console.WriteLine("Expected family totals:");
foreach (var family in new[] { "qwen", "deepseek", "hunyuan", "ernie" })
{
    var hf = Ecosystem.Expected(hfModels, family);
    var ms = Ecosystem.Expected(msModels, family);
    var stars = repos.Where(r => r.Family == family).Sum(r => (long)r.Repo.Stars);
    Console.WriteLine($"  {family}: models={Ecosystem.DistinctModels(hfModels, msModels, family)} (huggingface {hf.Models}, modelscope {ms.Models}) "
        + $"downloadsAllTime={hf.DownloadsAllTime + ms.DownloadsAllTime} (huggingface {hf.DownloadsAllTime}, modelscope {ms.DownloadsAllTime}) stars={stars}");
}

Console.WriteLine("Ctrl+C to stop.");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
