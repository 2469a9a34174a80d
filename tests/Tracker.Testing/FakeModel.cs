namespace Tracker.Testing;

/// <summary>
/// A model repository in a fake hub. Null fields are left out of the JSON, as the real hub leaves out what it does not
/// know. <see cref="Family"/> is the ground truth the generator intended, independent of the catalogue code under test.
/// </summary>
public sealed record FakeModel(
    string Id,
    string? Family,
    DateTime? CreatedAt,
    long? Downloads,
    long? DownloadsAllTime,
    long? Likes,
    string? PipelineTag = "text-generation",
    string? LibraryName = "transformers",
    IReadOnlyList<string>? Tags = null,
    object? Gated = null,
    long? ParameterTotal = null,
    IReadOnlyDictionary<string, long>? ParameterDtypes = null)
{
    public string Author => Id.Split('/')[0];
}

/// <summary>A derivative in the fake model tree: the relation it declares to its base and when it was created.</summary>
public sealed record FakeChild(string Id, string Relation, DateTime CreatedAt, long Downloads, long DownloadsAllTime, long Likes);
