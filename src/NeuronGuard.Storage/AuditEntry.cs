namespace NeuronGuard.Storage;

/// <summary>One attributed write, as kept in the capped audit log (newest first).</summary>
/// <param name="Action">One of <see cref="AuditActions"/>.</param>
/// <param name="Target">"policy" or "{kind}/{fingerprint}".</param>
/// <param name="Version">The policy version written, or the record version put or activated.</param>
/// <param name="Detail">Human-readable summary, e.g. "set toxicity/global; removed backdoor/tenant-a".</param>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string Target, string Version, string Detail);

/// <summary>The action names written to the audit log (persisted: do not rename).</summary>
public static class AuditActions
{
    public const string PolicySet = "policy.set";
    public const string PolicyRestore = "policy.restore";
    public const string RecordPut = "record.put";
    public const string RecordActivate = "record.activate";
    public const string AuthDenied = "auth.denied";
}
