using Grpc.Core;
using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Records;

/// <summary>
/// <c>neuronguard.v1.StoreAdmin</c>: the operator's explicit answer to a store that lost data. Nothing resolves it
/// automatically, because only a person knows whether the cache or the store holds the policy that should apply.
/// </summary>
public sealed class StoreAdminService(DaemonContext ctx) : StoreAdmin.StoreAdminBase
{
    public override async Task<ResolveDataLossResponse> ResolveDataLoss(ResolveDataLossRequest request, ServerCallContext context)
    {
        if (request.Resolution is not (StoreResolution.WriteBack or StoreResolution.Adopt))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "resolution is missing: give WRITE_BACK (this daemon's cache wins) or ADOPT (the store's data wins).");
        }
        var lost = ctx.Sync.Health.DataLoss
            ?? throw RpcErrors.Create(StatusCode.FailedPrecondition, $"{ctx.Store.Description} shows no data loss on this daemon: there is nothing to resolve.");
        Storage.Sync.DataLossResolution done;
        try
        {
            done = await ctx.Sync.ResolveDataLossAsync(request.Resolution == StoreResolution.WriteBack, Callers.Of(context), context.CancellationToken)
                .ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition, e.Message);
        }
        catch (Exception e) when (StoreStatus.ToRpc(e) is { } rpc)
        {
            throw rpc;
        }
        if (!done.Applied)
        {
            throw RpcErrors.Create(StatusCode.Aborted, done.ToString());
        }
        StoreAdminLog.Resolved(ctx.Logging, request.Resolution.ToString(), Callers.Of(context), done.ToString());
        var response = new ResolveDataLossResponse { PolicyVersion = (ulong)done.PolicyVersion, Resolved = lost };
        response.Restored.Add(done.Restored);
        response.NotRestored.Add(done.NotRestored);
        return response;
    }
}
