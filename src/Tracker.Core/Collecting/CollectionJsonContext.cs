using System.Text.Json.Serialization;

namespace Tracker.Core.Collecting;

[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
internal sealed partial class CollectionJsonContext : JsonSerializerContext;
