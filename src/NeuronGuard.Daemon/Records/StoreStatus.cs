using Grpc.Core;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Records;

/// <summary>Maps the store's exceptions to gRPC statuses (the table in src/NeuronGuard.Storage/README.md).</summary>
internal static class StoreStatus
{
    public static async Task<T> Guard<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (ToRpc(e) is { } rpc)
        {
            throw rpc;
        }
    }

    public static RpcException? ToRpc(Exception e) => e switch
    {
        StoreUnavailableException => RpcErrors.Create(StatusCode.Unavailable, e.Message),
        RecordNotFoundException => RpcErrors.Create(StatusCode.NotFound, Hosting.ServerPaths.Hide(e.Message)),
        StoreDataException => RpcErrors.Create(StatusCode.DataLoss, e.Message),
        ArgumentException => RpcErrors.Create(StatusCode.InvalidArgument, e.Message),
        _ => null,
    };

    public static void RequireModel(string fingerprint)
    {
        if (string.IsNullOrWhiteSpace(fingerprint))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "model_fingerprint is empty: name the model (its fingerprint, as in the catalog).");
        }
    }

    /// <summary>A new record version: UTC time to the millisecond, sortable, e.g. "20250101T120000123Z".</summary>
    public static string NewVersion() => DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
