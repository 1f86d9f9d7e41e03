namespace NeuronGuard.Daemon.Auth;

/// <summary>
/// The role each gRPC method needs. Health needs none (probes carry no credentials); a method not listed needs
/// operator, so a service added later is closed until someone decides otherwise.
/// </summary>
public static class MethodRoles
{
    private const string HealthPrefix = "/grpc.health.v1.Health/";

    private static readonly Dictionary<string, Role> Roles = new(StringComparer.Ordinal)
    {
        ["/neuronguard.v1.Telemetry/Stream"] = Role.Ingest,
        ["/neuronguard.v1.Control/GetPolicy"] = Role.Viewer,
        ["/neuronguard.v1.Control/ListFlagged"] = Role.Viewer,
        ["/neuronguard.v1.Control/GetAudit"] = Role.Viewer,
        ["/neuronguard.v1.Control/WatchVerdicts"] = Role.Viewer,
        ["/neuronguard.v1.Control/GetOverview"] = Role.Viewer,
        ["/neuronguard.v1.Control/GetRequest"] = Role.Viewer,
        ["/neuronguard.v1.Control/SetMitigation"] = Role.Operator,
        ["/neuronguard.v1.Control/DeleteMitigation"] = Role.Operator,
        ["/neuronguard.v1.Catalogs/GetCatalog"] = Role.Viewer,
        ["/neuronguard.v1.Catalogs/ListCatalogs"] = Role.Viewer,
        ["/neuronguard.v1.Catalogs/PutCatalog"] = Role.Operator,
        ["/neuronguard.v1.Catalogs/ActivateCatalog"] = Role.Operator,
        ["/neuronguard.v1.Baselines/GetBaseline"] = Role.Viewer,
        ["/neuronguard.v1.Baselines/Calibrate"] = Role.Operator,
        ["/neuronguard.v1.Baselines/ActivateBaseline"] = Role.Operator,
        ["/neuronguard.v1.Baselines/ListBaselines"] = Role.Viewer,
        ["/neuronguard.v1.Baselines/PutBaseline"] = Role.Operator,
        ["/neuronguard.v1.Inference/Generate"] = Role.Viewer,
        // Reflection tells the API's shape, as the published protos do; it changes nothing.
        ["/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"] = Role.Viewer,
        ["/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"] = Role.Viewer,
    };

    /// <summary>The role <paramref name="method"/> (e.g. "/neuronguard.v1.Control/SetMitigation") needs; null for none.</summary>
    public static Role? Required(string method) =>
        method.StartsWith(HealthPrefix, StringComparison.Ordinal) ? null
        : Roles.TryGetValue(method, out var role) ? role
        : Role.Operator;

    /// <summary>Whether a token with <paramref name="granted"/> may call a method needing <paramref name="required"/>.</summary>
    public static bool Allows(IReadOnlyCollection<Role> granted, Role required) =>
        granted.Contains(required) || (required == Role.Viewer && granted.Contains(Role.Operator));
}
