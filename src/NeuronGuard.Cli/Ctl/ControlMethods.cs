using NeuronGuard.Api.V1;
using NeuronGuard.Grpc;

namespace NeuronGuard.Cli.Ctl;

/// <summary>Client-side descriptors of <c>neuronguard.v1.Control</c> (protos/neuronguard/v1/control.proto).</summary>
internal static class ControlMethods
{
    private const string Service = "neuronguard.v1.Control";

    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy =
        ProtobufMethod.Create<GetPolicyRequest, GetPolicyResponse>(MethodType.Unary, Service, "GetPolicy");

    public static readonly Method<SetMitigationRequest, SetMitigationResponse> SetMitigation =
        ProtobufMethod.Create<SetMitigationRequest, SetMitigationResponse>(MethodType.Unary, Service, "SetMitigation");

    public static readonly Method<ListFlaggedRequest, ListFlaggedResponse> ListFlagged =
        ProtobufMethod.Create<ListFlaggedRequest, ListFlaggedResponse>(MethodType.Unary, Service, "ListFlagged");

    public static readonly Method<GetAuditRequest, GetAuditResponse> GetAudit =
        ProtobufMethod.Create<GetAuditRequest, GetAuditResponse>(MethodType.Unary, Service, "GetAudit");

    public static readonly Method<WatchVerdictsRequest, WatchedVerdict> WatchVerdicts =
        ProtobufMethod.Create<WatchVerdictsRequest, WatchedVerdict>(MethodType.ServerStreaming, Service, "WatchVerdicts");
}
