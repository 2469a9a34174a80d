namespace Tracker.Core.Sources;

/// <summary>
/// A model repository as a hub lists it, mapped from the wire format. Every counter is nullable: a field the hub
/// did not send is unknown, never zero.
/// </summary>
public sealed record HubModel(
    string RepoId,
    DateTime? CreatedAt,
    DateTime? LastModified,
    string? PipelineTag,
    string? LibraryName,
    string? License,
    long? ParameterCount,
    string? Gated,
    IReadOnlyList<string>? Tags,
    IReadOnlyDictionary<string, long>? ParameterDtypes,
    long? Downloads30d,
    long? DownloadsAllTime,
    long? Likes);

/// <summary>One page of a listing, with what it cost: HTTP attempts (retries included) and bytes received.</summary>
public sealed record SourcePage(int Number, IReadOnlyList<HubModel> Models, int Requests, long Bytes);

/// <summary>A source could not deliver what was asked, with a message that names the org, page and cause.</summary>
public class SourceException : Exception
{
    public SourceException()
    {
    }

    public SourceException(string message)
        : base(message)
    {
    }

    public SourceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>HTTP attempts made before the failure, retries included.</summary>
    public int Requests { get; init; }
}

/// <summary>
/// A model's derivative counts per relation. The hub may send only a total (an integer): then the relations are
/// unknown (null), not zero. <see cref="Found"/> is false when the model no longer exists.
/// </summary>
public sealed record ChildrenCount(long? Finetune, long? Quantized, long? Adapter, long? Merge, long? Total, int Requests, bool Found);
