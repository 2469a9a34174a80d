using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Tracker.Web.Api;

/// <summary>The OpenAPI document's prose and examples, and the Scalar reference at /api (offline: no web fonts).</summary>
internal static class ApiDocument
{
    private static readonly Dictionary<string, string> Parameters = new(StringComparer.Ordinal)
    {
        ["id"] = "Family id: qwen, deepseek, hunyuan, ernie (or one configured).",
        ["family"] = "Family id; only this family's rows.",
        ["metric"] = "downloadsAllTime (default) | downloads30d | likes | models | derivatives | stars | forks.",
        ["platform"] = "huggingface | modelscope, for hub metrics; none = both hubs.",
        ["relation"] = "finetune | quantized | adapter | merge, for metric=derivatives.",
        ["from"] = "First day, YYYY-MM-DD (UTC).",
        ["to"] = "Last day, YYYY-MM-DD (UTC).",
        ["limit"] = "Page size, 1-1000.",
        ["cursor"] = "Opaque; the nextCursor of the previous page. Stable while new rows arrive.",
        ["sort"] = "downloadsAllTime (default) | downloads30d | likes | createdAt, descending.",
        ["format"] = "json (default) or csv; Accept: text/csv works too. CSV has the JSON's numbers: invariant digits, ISO dates, an empty cell for unknown.",
        ["lang"] = "en (default): 1.2M; zh-CN: 6.1亿.",
        ["owner"] = "Repository owner on the hub.",
        ["name"] = "Repository name on the hub.",
    };

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(FamilyDto)] = """
            {"id":"qwen","name":"Qwen","vendor":"Alibaba","totals":{"models":412,"downloadsAllTime":612345678,"downloads30d":41234567,"likes":98765,"asOf":"2025-06-01T02:14:09Z"},
             "byPlatform":{"huggingface":{"models":400,"downloadsAllTime":600000000,"downloads30d":40000000,"likes":95000,"asOf":"2025-06-01T02:14:09Z"}},
             "derivatives":{"finetune":9000,"quantized":7000,"adapter":3000,"merge":800,"total":19800,"asOf":"2025-06-01T02:14:09Z"},
             "gitHub":{"repos":12,"stars":150000,"forks":12000,"releases":40,"asOf":"2025-06-01T02:14:09Z"},"asOf":"2025-06-01T02:14:09Z","quality":[]}
            """,
        [typeof(SeriesDto)] = """
            {"family":"qwen","metric":"downloadsAllTime","platform":null,"relation":null,
             "points":[{"day":"2025-05-30","value":610000000},{"day":"2025-05-31","value":null},{"day":"2025-06-01","value":612345678}],
             "asOf":"2025-06-01T02:14:09Z","quality":[{"kind":"gap","message":"No collection on 2025-05-31.","from":"2025-05-31","to":"2025-05-31"}]}
            """,
        [typeof(ModelPageDto)] = """
            {"items":[{"id":"Qwen/Qwen3-8B","source":"huggingface","family":"qwen","createdAt":"2025-04-28T10:00:00Z","pipelineTag":"text-generation","libraryName":"transformers",
             "license":"apache-2.0","parameterCount":8190735360,"gated":null,"downloads30d":1234567,"downloadsAllTime":9876543,"likes":800,"latestDay":"2025-06-01",
             "lastSeenAt":"2025-06-01T02:14:09Z","goneSince":null}],"nextCursor":"ZG93bmxvYWRzQWxsVGltZXw5ODc2NTQzfDQy","asOf":"2025-06-01T02:14:09Z"}
            """,
        [typeof(ReleasesDto)] = """
            {"items":[{"kind":"release","family":"qwen","platform":"github","repo":"QwenLM/Qwen3","tag":"v3.1","name":"Qwen3.1","at":"2025-05-30T08:00:00Z","prerelease":false,"downloads":null},
             {"kind":"model","family":"qwen","platform":"huggingface","repo":"Qwen/Qwen3-8B","tag":null,"name":null,"at":"2025-04-28T10:00:00Z","prerelease":false,"downloads":9876543}],
             "nextCursor":null,"asOf":"2025-06-01T02:14:09Z"}
            """,
        [typeof(PingDto)] = """{"status":"ok"}""",
    };

    public static IServiceCollection AddApiDocument(this IServiceCollection services)
    {
        services.Configure<OpenApiOptions>("v1", o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Tracker API",
                    Version = "v1",
                    Description = "Open-model adoption metrics (Hugging Face, ModelScope, GitHub) for the families Tracker follows. "
                        + "Every payload has asOf (the newest snapshot behind it) and, where it applies, quality flags. "
                        + "Lists and series are also CSV (?format=csv or Accept: text/csv). Responses carry strong ETags (send If-None-Match for a 304) "
                        + "and Cache-Control until the next collection. Clients are rate limited per IP (token bucket; 429 with Retry-After); "
                        + "a configured key in X-Api-Key raises the limit. Errors are application/problem+json naming the parameter.",
                };
                return Task.CompletedTask;
            });
            o.AddOperationTransformer((operation, _, _) =>
            {
                foreach (var parameter in operation.Parameters ?? [])
                {
                    if (parameter is OpenApiParameter p && p.Name is { } name && Parameters.TryGetValue(name, out var text))
                    {
                        p.Description ??= text;
                    }
                }

                // Endpoints with a format parameter also answer text/csv (a Produces metadata would replace the JSON 200).
                if (operation.Parameters?.Any(p => p.Name == "format") == true
                    && operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
                {
                    content["text/csv"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }

                return Task.CompletedTask;
            });
            o.AddSchemaTransformer((schema, context, _) =>
            {
                if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example))
                {
                    schema.Examples = [JsonNode.Parse(example)!];
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>Scalar at /api, reading /openapi/v1.json. Its script is served from the package; fonts would come from a CDN, so they are off.</summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapScalarApiReference("/api", o => o
            .WithTitle("Tracker API")
            .DisableDefaultFonts()
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        return app;
    }
}
