namespace Tracker.Core.Sources;

/// <summary>
/// Counts the HTTP attempts behind one logical request. It rides in <see cref="HttpRequestMessage.Options"/>, which the
/// resilience pipeline copies to every retry, and <see cref="RequestTallyHandler"/> (innermost) counts each attempt.
/// </summary>
public sealed class RequestTally
{
    public static readonly HttpRequestOptionsKey<RequestTally> Key = new("Tracker.RequestTally");

    private int _attempts;

    public int Attempts => Volatile.Read(ref _attempts);

    internal void Add() => Interlocked.Increment(ref _attempts);
}

/// <summary>The innermost handler of every source client: one increment per attempt that reaches the network.</summary>
public sealed class RequestTallyHandler : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(RequestTally.Key, out var tally))
        {
            tally.Add();
        }

        return base.SendAsync(request, cancellationToken);
    }
}

/// <summary>Counts the bytes read through it.</summary>
internal sealed class CountingStream(Stream inner) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = inner.Read(buffer, offset, count);
        BytesRead += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        BytesRead += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
