using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tracker.Core.Sources.ModelScope;

// GET /openapi/v1/models?owner=…&page_number=…&page_size=… →
// {"success": true, "data": {"models": [...], "total_count": N}} (error: {"success": false, "message": "…"}).
internal sealed class MsOpenApiEnvelope
{
    [JsonPropertyName("success")] public bool? Success { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("code")] public JsonElement Code { get; set; }
    [JsonPropertyName("data")] public MsOpenApiData? Data { get; set; }
}

internal sealed class MsOpenApiData
{
    [JsonPropertyName("models")] public List<MsOpenApiModelWire?>? Models { get; set; }
    [JsonPropertyName("total_count")] public long? TotalCount { get; set; }
}

// An OpenAPI item (the SDK's RepoInfo). Times are Unix seconds (number or numeric string) or ISO-8601 strings;
// tasks are strings or {"Name": …} objects; gated is a bool or a string.
internal sealed class MsOpenApiModelWire
{
    [JsonPropertyName("id")] public string? Id { get; set; }
    [JsonPropertyName("downloads")] public long? Downloads { get; set; }
    [JsonPropertyName("likes")] public long? Likes { get; set; }
    [JsonPropertyName("created_at")] public JsonElement CreatedAt { get; set; }
    [JsonPropertyName("last_modified")] public JsonElement LastModified { get; set; }
    [JsonPropertyName("license")] public string? License { get; set; }
    [JsonPropertyName("tags")] public JsonElement Tags { get; set; }
    [JsonPropertyName("tasks")] public JsonElement Tasks { get; set; }
    [JsonPropertyName("gated")] public JsonElement Gated { get; set; }
}

// PUT /api/v1/models/ {"Path": org, "PageNumber": n, "PageSize": m} →
// {"Code": 200, "Data": {"Models": [...], "TotalCount": N}, "Message": "…", "Success": true}.
internal sealed class MsLegacyEnvelope
{
    [JsonPropertyName("Code")] public int? Code { get; set; }
    [JsonPropertyName("Success")] public bool? Success { get; set; }
    [JsonPropertyName("Message")] public string? Message { get; set; }
    [JsonPropertyName("Data")] public MsLegacyData? Data { get; set; }
}

internal sealed class MsLegacyData
{
    [JsonPropertyName("Models")] public List<MsLegacyModelWire?>? Models { get; set; }
    [JsonPropertyName("TotalCount")] public long? TotalCount { get; set; }
}

// A legacy item: Path is the owner, Name the repository; CreatedTime/LastUpdatedTime are epoch seconds.
internal sealed class MsLegacyModelWire
{
    [JsonPropertyName("Name")] public string? Name { get; set; }
    [JsonPropertyName("Path")] public string? Path { get; set; }
    [JsonPropertyName("Downloads")] public long? Downloads { get; set; }
    [JsonPropertyName("Stars")] public long? Stars { get; set; }
    [JsonPropertyName("Likes")] public long? Likes { get; set; }
    [JsonPropertyName("CreatedTime")] public JsonElement CreatedTime { get; set; }
    [JsonPropertyName("LastUpdatedTime")] public JsonElement LastUpdatedTime { get; set; }
    [JsonPropertyName("License")] public string? License { get; set; }
    [JsonPropertyName("Tasks")] public JsonElement Tasks { get; set; }
    [JsonPropertyName("Tags")] public JsonElement Tags { get; set; }
}

internal sealed class MsLegacyRequest
{
    [JsonPropertyName("Path")] public required string Path { get; init; }
    [JsonPropertyName("PageNumber")] public int PageNumber { get; init; }
    [JsonPropertyName("PageSize")] public int PageSize { get; init; }
}

[JsonSourceGenerationOptions(NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(MsOpenApiEnvelope))]
[JsonSerializable(typeof(MsLegacyEnvelope))]
[JsonSerializable(typeof(MsLegacyRequest))]
internal sealed partial class ModelScopeJsonContext : JsonSerializerContext;
