using NeuronGuard.Api.V1;
using NeuronGuard.Daemon.Hosting;
using NeuronGuard.Daemon.Monitoring;
using NeuronGuard.Daemon.Policies;
using Grpc.Core;
using NeuronGuard.Storage;

namespace NeuronGuard.Daemon.Control;

/// <summary>
/// <c>neuronguard.v1.Control</c>: the operators' side. Policy writes go through <see cref="PolicyManager"/> (compare-and-set,
/// audited, attributed to the caller); reads come from the local cache, so they keep working while the store is down.
/// </summary>
public sealed class ControlService(DaemonContext ctx) : Api.V1.Control.ControlBase
{
    private const int MaxPage = 1000;

    public override Task<GetPolicyResponse> GetPolicy(GetPolicyRequest request, ServerCallContext context)
    {
        var response = new GetPolicyResponse { Policy = ctx.Policy.Current.ToProto() };
        response.Servers.Add(ctx.Sessions.States());
        return Task.FromResult(response);
    }

    public override async Task<SetMitigationResponse> SetMitigation(SetMitigationRequest request, ServerCallContext context)
    {
        var write = await PolicyWriteAsync(() => ctx.Policy.SetAsync(request, Callers.Of(context), context.CancellationToken)).ConfigureAwait(false);
        return new SetMitigationResponse { Policy = write.Policy.ToProto(), Unchanged = write.Unchanged };
    }

    public override async Task<DeleteMitigationResponse> DeleteMitigation(DeleteMitigationRequest request, ServerCallContext context)
    {
        var policy = await PolicyWriteAsync(() => ctx.Policy.DeleteAsync(request, Callers.Of(context), context.CancellationToken)).ConfigureAwait(false);
        return new DeleteMitigationResponse { Policy = policy.ToProto() };
    }

    /// <summary>One mapping of policy-write failures to gRPC statuses, shared by every write.</summary>
    private static async Task<T> PolicyWriteAsync<T>(Func<Task<T>> write)
    {
        try
        {
            return await write().ConfigureAwait(false);
        }
        catch (Exception e) when (StatusOf(e) is { } code)
        {
            throw RpcErrors.Create(code, e.Message);
        }
    }

    private static StatusCode? StatusOf(Exception e) => e switch
    {
        ArgumentException => StatusCode.InvalidArgument,
        NoSuchEntryException => StatusCode.NotFound,
        PolicyConflictException => StatusCode.Aborted,
        UnknownSetException or PolicyNotAppliedException => StatusCode.FailedPrecondition,
        StoreUnavailableException => StatusCode.Unavailable,
        _ => null,
    };

    public override Task<ListFlaggedResponse> ListFlagged(ListFlaggedRequest request, ServerCallContext context)
    {
        int limit = request.Limit == 0 ? 100 : (int)Math.Min(request.Limit, MaxPage);
        var response = new ListFlaggedResponse();
        response.Requests.Add(ctx.Flags.Latest(limit, request.Tenant));
        return Task.FromResult(response);
    }

    public override async Task<GetAuditResponse> GetAudit(GetAuditRequest request, ServerCallContext context)
    {
        int limit = request.Limit == 0 ? 100 : (int)Math.Min(request.Limit, MaxPage);
        IReadOnlyList<Storage.AuditEntry> entries;
        try
        {
            entries = await ctx.Store.ReadAuditAsync((int)Math.Min(request.Offset, int.MaxValue), /* past the capped log: an empty page */ limit, context.CancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            throw RpcErrors.Create(StatusCode.Unavailable, e.Message);
        }
        var response = new GetAuditResponse();
        foreach (var e in entries)
        {
            response.Entries.Add(new Api.V1.AuditEntry
            {
                AtUnixMs = e.At.ToUnixTimeMilliseconds(),
                Actor = e.Actor,
                Action = ActionName(e),
                // A policy write's detail is JSON of the change (the proto promises it), so it goes out as is.
                Detail = e.Action == AuditActions.PolicySet || e.Target.Length == 0 ? e.Detail : $"{e.Target}: {e.Detail}",
                PolicyVersion = e.Action == AuditActions.PolicySet && ulong.TryParse(e.Version, out var v) ? v : 0,
            });
        }
        return response;
    }

    /// <summary>
    /// The action as operators read it: a policy write that only removed entries (`ctl policy delete`) is "policy.delete",
    /// not "policy.set" (the store records both as policy writes; the change list in the detail tells them apart).
    /// </summary>
    internal static string ActionName(Storage.AuditEntry e) =>
        e.Action == AuditActions.PolicySet && e.Detail.Contains("\"op\":\"remove\"", StringComparison.Ordinal)
            && !e.Detail.Contains("\"op\":\"set\"", StringComparison.Ordinal) ? PolicyDeleteAction : e.Action;

    /// <summary>The audit action shown for a policy write that only removed entries.</summary>
    public const string PolicyDeleteAction = "policy.delete";

    public override Task<GetOverviewResponse> GetOverview(GetOverviewRequest request, ServerCallContext context) =>
        Task.FromResult(Overview.Build(ctx));

    public override Task<GetRequestResponse> GetRequest(GetRequestRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.RequestId))
        {
            throw RpcErrors.Create(StatusCode.InvalidArgument, "request_id is empty: name the request (its id, as in a verdict or ListFlagged).");
        }
        if (!ctx.History.Enabled)
        {
            throw RpcErrors.Create(StatusCode.FailedPrecondition, "the request history is off (History:MaxRequests=0): set History:MaxRequests to keep recent requests.");
        }
        return Task.FromResult(ctx.History.Find(request.RequestId, request.ServerId)
            ?? throw RpcErrors.Create(StatusCode.NotFound, request.ServerId.Length == 0
                ? $"request '{request.RequestId}' is not in the history: it never ran here, or more than History:MaxRequests ({ctx.Options.History.MaxRequests}) requests started since."
                : $"request '{request.RequestId}' of server '{request.ServerId}' is not in the history: it never ran here, or more than History:MaxRequests ({ctx.Options.History.MaxRequests}) requests started since."));
    }

    public override async Task WatchVerdicts(WatchVerdictsRequest request, IServerStreamWriter<WatchedVerdict> responses, ServerCallContext context)
    {
        var watcher = ctx.Feed.Subscribe(new VerdictFilter(request.FlaggedOnly, request.Tenant, request.Detector, request.Model));
        try
        {
            await foreach (var item in watcher.Queue.Reader.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
            {
                item.Dropped = watcher.TakeDropped();
                await responses.WriteAsync(item).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The watcher went away.
        }
        finally
        {
            ctx.Feed.Unsubscribe(watcher);
        }
    }
}
