using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tracker.Core.Sources.HuggingFace;

// The item shape of GET /api/models with expand[] (https://huggingface.co/docs/hub/api#get-apimodels).
// Only the listed expands come back; anything else the hub adds is ignored.
internal sealed class HfModelWire
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("modelId")] public string? ModelId { get; set; }
    [JsonPropertyName("downloads")] public long? Downloads { get; set; }
    [JsonPropertyName("downloadsAllTime")] public long? DownloadsAllTime { get; set; }
    [JsonPropertyName("likes")] public long? Likes { get; set; }
    [JsonPropertyName("createdAt")] public string? CreatedAt { get; set; }
    [JsonPropertyName("lastModified")] public string? LastModified { get; set; }
    [JsonPropertyName("pipeline_tag")] public string? PipelineTag { get; set; }
    [JsonPropertyName("library_name")] public string? LibraryName { get; set; }
    [JsonPropertyName("tags")] public List<string>? Tags { get; set; }

    // false | "auto" | "manual" (and true in older answers): kept as a string.
    [JsonPropertyName("gated")] public JsonElement Gated { get; set; }
    [JsonPropertyName("safetensors")] public HfSafetensorsWire? Safetensors { get; set; }
}

// GET /api/models/{id}?expand[]=childrenModelCount: an integer, or counts per relation.
internal sealed class HfModelDetailWire
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("childrenModelCount")] public JsonElement ChildrenModelCount { get; set; }
}

internal sealed class HfSafetensorsWire
{
    [JsonPropertyName("parameters")] public Dictionary<string, long>? Parameters { get; set; }
    [JsonPropertyName("total")] public long? Total { get; set; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(HfModelWire))]
[JsonSerializable(typeof(List<HfModelWire>))]
[JsonSerializable(typeof(HfModelDetailWire))]
internal sealed partial class HuggingFaceJsonContext : JsonSerializerContext;
