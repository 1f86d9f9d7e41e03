using NeuronGuard.Api.V1;
using NeuronGuard.Grpc;

namespace NeuronGuard.Daemon.BuiltinHost;

/// <summary>The v1 methods the built-in host calls (Telemetry, Control) and serves (Inference), for clients and tests.</summary>
public static class BuiltinHostMethods
{
    public static readonly Method<ModelServerMessage, DaemonMessage> TelemetryStream = Telemetry.TelemetryService.StreamMethod;

    public static readonly Method<GenerateRequest, GenerateEvent> Generate =
        ProtobufMethod.Create<GenerateRequest, GenerateEvent>(MethodType.ServerStreaming, "neuronguard.v1.Inference", "Generate");

    public static readonly Method<SetMitigationRequest, SetMitigationResponse> SetMitigation = Control.ControlMethods.SetMitigation;

    public static readonly Method<GetPolicyRequest, GetPolicyResponse> GetPolicy = Control.ControlMethods.GetPolicy;

    /// <summary>Request headers carrying <c>authorization: Bearer TOKEN</c>, or null without a token.</summary>
    public static Metadata? BearerHeaders(string? token) =>
        string.IsNullOrEmpty(token) ? null : new Metadata().Add("authorization", "Bearer " + token);
}
