using System.Globalization;
using Tracker.Testing;

// A standalone fake Hugging Face for trying Tracker without the internet:
//   dotnet run --project tests/Tracker.Testing -- [port] [models-per-family] [seed]
// then run Tracker with HF_ENDPOINT=http://127.0.0.1:<port>.
var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5090;
var perFamily = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 25;
var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
var models = Ecosystem.Generate(seed, perFamily);
await using var hub = await FakeHuggingFaceHub.StartAsync(models, port);
Console.WriteLine($"Fake Hugging Face at {hub.Endpoint} with {models.Count} models. Expected family totals:");
foreach (var family in new[] { "qwen", "deepseek", "hunyuan", "ernie" })
{
    var t = Ecosystem.Expected(models, family);
    Console.WriteLine($"  {family}: models={t.Models} downloadsAllTime={t.DownloadsAllTime} downloads30d={t.Downloads30d} likes={t.Likes}");
}

Console.WriteLine("Ctrl+C to stop.");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
