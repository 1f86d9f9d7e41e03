namespace NeuronGuard.Daemon.Auth;

/// <summary>What a bearer token may do. Operator implies viewer; ingest is separate (model servers only stream).</summary>
public enum Role
{
    /// <summary>Model servers: <c>Telemetry.Stream</c>.</summary>
    Ingest,

    /// <summary>Policy and record changes (and every viewer call).</summary>
    Operator,

    /// <summary>Reads: policy, flagged requests, audit, catalogs, baselines, live verdicts, Generate.</summary>
    Viewer,
}

/// <summary>Role names as written in the config file ("ingest", "operator", "viewer").</summary>
public static class RoleNames
{
    public static string Name(this Role role) => role switch
    {
        Role.Ingest => "ingest",
        Role.Operator => "operator",
        _ => "viewer",
    };

    public static bool TryParse(string? name, out Role role)
    {
        switch (name?.Trim().ToLowerInvariant())
        {
            case "ingest": role = Role.Ingest; return true;
            case "operator": role = Role.Operator; return true;
            case "viewer": role = Role.Viewer; return true;
            default: role = default; return false;
        }
    }
}
