using System.Text;
using NeuronGuard.Storage.Sync;

namespace NeuronGuard.Storage.Tests.Infrastructure;

/// <summary>Stand-ins for the engine's formats: a catalog is UTF-8 text, a baseline is "BASE" + bytes at format 1.</summary>
internal static class TestRecords
{
    public const int BaselineFormat = 1;

    public static byte[] Baseline(int seed, int size = 1024)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        "BASE"u8.CopyTo(bytes);
        return bytes;
    }

    public static byte[] Catalog(string text) => Encoding.UTF8.GetBytes(text);

    public static readonly RecordDecoder<string> DecodeCatalog = (_, payload) => Encoding.UTF8.GetString(payload.Span);

    /// <summary>Throws like a real decoder on a wrong format version or a payload without the magic.</summary>
    public static readonly RecordDecoder<byte[]> DecodeBaseline = (info, payload) =>
    {
        if (info.FormatVersion != BaselineFormat)
        {
            throw new InvalidDataException($"unsupported baseline format {info.FormatVersion}; this build reads {BaselineFormat}");
        }
        if (payload.Length < 4 || !payload.Span[..4].SequenceEqual("BASE"u8))
        {
            throw new InvalidDataException("baseline payload does not start with BASE");
        }
        return payload.ToArray();
    };

    /// <summary>Waits for a condition raised by another thread; the timeout only guards against a hang, it is not a timing assertion.</summary>
    public static async Task<T> WithinAsync<T>(this Task<T> task, string what, int seconds = 20)
    {
        await ((Task)task).WithinAsync(what, seconds);
        return await task;
    }

    /// <inheritdoc cref="WithinAsync{T}"/>
    public static async Task WithinAsync(this Task task, string what, int seconds = 20)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(seconds));
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException($"gave up after {seconds} s waiting for {what}");
        }
    }
}
