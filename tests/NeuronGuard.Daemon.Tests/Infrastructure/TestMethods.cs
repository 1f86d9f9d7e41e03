using Google.Protobuf;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using NeuronGuard.Api.V1;

namespace NeuronGuard.Daemon.Tests;

/// <summary>Method descriptors by path, so tests call exactly the wire method they mean (as a peer written by others would).</summary>
internal static class TestMethods
{
    public static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodType type, string service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var requests = new MessageParser<TRequest>(() => new TRequest());
        var responses = new MessageParser<TResponse>(() => new TResponse());
        return new(type, service, name, Marshallers.Create(m => m.ToByteArray(), requests.ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), responses.ParseFrom));
    }
}

internal static class ControlMethods
{
    private const string Service = "neuronguard.v1.Control";
    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy = TestMethods.Create<GetPolicyRequest, GetPolicyResponse>(MethodType.Unary, Service, "GetPolicy");
    public static readonly Method<SetMitigationRequest, SetMitigationResponse> SetMitigation = TestMethods.Create<SetMitigationRequest, SetMitigationResponse>(MethodType.Unary, Service, "SetMitigation");
    public static readonly Method<ListFlaggedRequest, ListFlaggedResponse> ListFlagged = TestMethods.Create<ListFlaggedRequest, ListFlaggedResponse>(MethodType.Unary, Service, "ListFlagged");
    public static readonly Method<GetAuditRequest, GetAuditResponse> GetAudit = TestMethods.Create<GetAuditRequest, GetAuditResponse>(MethodType.Unary, Service, "GetAudit");
    public static readonly Method<WatchVerdictsRequest, WatchedVerdict> WatchVerdicts = TestMethods.Create<WatchVerdictsRequest, WatchedVerdict>(MethodType.ServerStreaming, Service, "WatchVerdicts");
    public static readonly Method<DeleteMitigationRequest, DeleteMitigationResponse> DeleteMitigation = TestMethods.Create<DeleteMitigationRequest, DeleteMitigationResponse>(MethodType.Unary, Service, "DeleteMitigation");
}

internal static class RecordMethods
{
    private const string Catalogs = "neuronguard.v1.Catalogs";
    private const string Baselines = "neuronguard.v1.Baselines";
    public static readonly Method<PutCatalogRequest, PutCatalogResponse> PutCatalog = TestMethods.Create<PutCatalogRequest, PutCatalogResponse>(MethodType.Unary, Catalogs, "PutCatalog");
    public static readonly Method<GetCatalogRequest, Catalog> GetCatalog = TestMethods.Create<GetCatalogRequest, Catalog>(MethodType.Unary, Catalogs, "GetCatalog");
    public static readonly Method<ListCatalogsRequest, ListCatalogsResponse> ListCatalogs = TestMethods.Create<ListCatalogsRequest, ListCatalogsResponse>(MethodType.Unary, Catalogs, "ListCatalogs");
    public static readonly Method<ActivateCatalogRequest, ActivateCatalogResponse> ActivateCatalog = TestMethods.Create<ActivateCatalogRequest, ActivateCatalogResponse>(MethodType.Unary, Catalogs, "ActivateCatalog");
    public static readonly Method<CalibrateMessage, BaselineInfo> Calibrate = TestMethods.Create<CalibrateMessage, BaselineInfo>(MethodType.ClientStreaming, Baselines, "Calibrate");
    public static readonly Method<GetBaselineRequest, BaselineInfo> GetBaseline = TestMethods.Create<GetBaselineRequest, BaselineInfo>(MethodType.Unary, Baselines, "GetBaseline");
    public static readonly Method<ActivateBaselineRequest, ActivateBaselineResponse> ActivateBaseline = TestMethods.Create<ActivateBaselineRequest, ActivateBaselineResponse>(MethodType.Unary, Baselines, "ActivateBaseline");
    public static readonly Method<PutBaselineRequest, BaselineInfo> PutBaseline = TestMethods.Create<PutBaselineRequest, BaselineInfo>(MethodType.Unary, Baselines, "PutBaseline");
    public static readonly Method<ListBaselinesRequest, ListBaselinesResponse> ListBaselines = TestMethods.Create<ListBaselinesRequest, ListBaselinesResponse>(MethodType.Unary, Baselines, "ListBaselines");
}

internal static class BuiltinHostMethods
{
    public static readonly Method<ModelServerMessage, DaemonMessage> TelemetryStream = TestMethods.Create<ModelServerMessage, DaemonMessage>(MethodType.DuplexStreaming, "neuronguard.v1.Telemetry", "Stream");
    public static readonly Method<GenerateRequest, GenerateEvent> Generate = TestMethods.Create<GenerateRequest, GenerateEvent>(MethodType.ServerStreaming, "neuronguard.v1.Inference", "Generate");
    public static readonly Method<SetMitigationRequest, SetMitigationResponse> SetMitigation = ControlMethods.SetMitigation;
    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy = ControlMethods.GetPolicy;

    public static Metadata? BearerHeaders(string? token) => NeuronGuard.Client.DaemonChannel.Bearer(token);
}

internal static class HealthMethods
{
    public static readonly Method<HealthCheckRequest, HealthCheckResponse> Check = TestMethods.Create<HealthCheckRequest, HealthCheckResponse>(MethodType.Unary, "grpc.health.v1.Health", "Check");
}

/// <summary>The call shapes as tests write them (method, request, options) on a <see cref="GrpcChannel"/>.</summary>
internal static class ChannelCalls
{
    public static AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(this GrpcChannel channel, Method<TRequest, TResponse> method,
        TRequest request, CallOptions options = default) where TRequest : class where TResponse : class =>
        channel.CreateCallInvoker().AsyncUnaryCall(method, null, options, request);

    public static AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(this GrpcChannel channel,
        Method<TRequest, TResponse> method, TRequest request, CallOptions options = default) where TRequest : class where TResponse : class =>
        channel.CreateCallInvoker().AsyncServerStreamingCall(method, null, options, request);

    public static AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(this GrpcChannel channel,
        Method<TRequest, TResponse> method, CallOptions options = default) where TRequest : class where TResponse : class =>
        channel.CreateCallInvoker().AsyncClientStreamingCall(method, null, options);

    public static AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(this GrpcChannel channel,
        Method<TRequest, TResponse> method, CallOptions options = default) where TRequest : class where TResponse : class =>
        channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, options);
}
