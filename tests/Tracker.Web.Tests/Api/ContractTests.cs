using System.Text.Json;
using System.Text.Json.Nodes;
using Tracker.Testing;
using Tracker.Web.Tests.Infrastructure;

namespace Tracker.Web.Tests.Api;

/// <summary>
/// The OpenAPI document against the committed copy (openapi.v1.json beside this file). A field, parameter, path or
/// type that the copy has and the app no longer has fails; additions pass. To change the contract on purpose:
/// <c>TRACKER_UPDATE_CONTRACT=1 dotnet test tests/Tracker.Web.Tests --filter ContractTests</c>, and commit the copy.
/// </summary>
[Collection(AppHosts.Name)]
public sealed class ContractTests
{
    private static readonly string CopyPath = Path.Combine(Repository.Root, "tests", "Tracker.Web.Tests", "Api", "openapi.v1.json");

    // Prose may change freely; structure may not.
    private static readonly HashSet<string> Prose = new(StringComparer.Ordinal) { "description", "summary", "example", "examples", "title" };

    [Fact]
    public async Task The_OpenAPI_document_keeps_every_field_of_the_committed_copy()
    {
        await using var app = await TrackerAppFactory.StartAsync();
        using var client = app.CreateClient();
        var current = await client.GetNodeAsync("/openapi/v1.json");
        var pretty = current.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
        if (Environment.GetEnvironmentVariable("TRACKER_UPDATE_CONTRACT") == "1")
        {
            await File.WriteAllTextAsync(CopyPath, pretty);
            return;
        }

        Assert.True(File.Exists(CopyPath), $"No committed contract at {CopyPath}; create it with TRACKER_UPDATE_CONTRACT=1.");
        var committed = Flatten(JsonNode.Parse(await File.ReadAllTextAsync(CopyPath)));
        var now = Flatten(current);
        var broken = committed
            .Where(c => !now.TryGetValue(c.Key, out var value) || value != c.Value)
            .Select(c => now.TryGetValue(c.Key, out var value) ? $"{c.Key}: {c.Value} -> {value}" : $"{c.Key}: removed")
            .ToList();
        Assert.True(broken.Count == 0,
            "The API contract changed (a removed or renamed field breaks clients). If that is intended, run with TRACKER_UPDATE_CONTRACT=1 and commit "
            + "tests/Tracker.Web.Tests/Api/openapi.v1.json.\n" + string.Join("\n", broken.Take(50)));
    }

    /// <summary>Leaves by path; arrays of named objects (parameters) keyed by name, arrays of strings (required, enum) as one sorted set.</summary>
    private static Dictionary<string, string> Flatten(JsonNode? root)
    {
        var leaves = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(string path, JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (name, value) in obj)
                    {
                        if (!Prose.Contains(name))
                        {
                            Walk(path + "/" + name, value);
                        }
                    }

                    break;
                case JsonArray array when array.All(a => a is JsonValue):
                    leaves[path] = string.Join(",", array.Select(a => a!.ToJsonString()).Order(StringComparer.Ordinal));
                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(path + "/" + (array[i]?["name"]?.GetValue<string>() ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)), array[i]);
                    }

                    break;
                default:
                    leaves[path] = node?.ToJsonString() ?? "null";
                    break;
            }
        }

        Walk("", root);
        return leaves;
    }
}
