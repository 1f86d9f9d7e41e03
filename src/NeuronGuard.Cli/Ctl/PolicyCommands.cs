using System.CommandLine;
using NeuronGuard.Api.V1;


namespace NeuronGuard.Cli.Ctl;

/// <summary><c>ctl policy get|set|delete</c> (Control.GetPolicy / SetMitigation / DeleteMitigation).</summary>
internal static class PolicyCommands
{
    public static Command Create()
    {
        var command = new Command("policy", "Show or change the mitigation policy.");
        command.Subcommands.Add(Get());
        command.Subcommands.Add(Set());
        command.Subcommands.Add(Delete());
        return command;
    }

    private static Command Get()
    {
        var command = new Command("get", "The current policy and the version each connected model server acknowledged.");
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var reply = await s.Control.GetPolicyAsync(new GetPolicyRequest(), s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            Write(s.Output, reply.Policy ?? new Policy());
            s.Output.WriteLine();
            var servers = new Table("SERVER", "MODEL", "ACKED", "CONNECTED");
            foreach (var server in reply.Servers)
            {
                servers.Add(server.ServerId, server.ModelId, server.AckedVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), CtlFormats.Time(server.ConnectedAtUnixMs));
            }
            if (reply.Servers.Count == 0)
            {
                s.Output.WriteLine("no model servers connected");
            }
            else
            {
                servers.WriteTo(s.Output);
            }
        }));
        return command;
    }

    private static Command Set()
    {
        var set = new Argument<string>("set") { Description = "Catalogued neuron set name, e.g. toxicity." };
        var mode = new Option<string?>("--mode") { Description = "off, shadow, on-flag, always, abort or mask-attention (needed for a new entry; else kept)." };
        var strength = new Option<float?>("--strength") { Description = "0..1; scales the preset's gains (new entry: 1, AurA as the paper has it; else kept)." };
        var preset = new Option<string?>("--preset") { Description = "aura, det0 or damp (new entry: aura, the daemon's default; else kept)." };
        var topK = new Option<uint?>("--top-k") { Description = "aura: dampen only the K neurons of highest AUROC (default: all above 0.5, the paper); det0: how many to ablate. Kept while the preset stays." };
        var tenant = new Option<string?>("--tenant") { Description = "Apply to this tenant only (default: the global entry)." };
        var ttl = new Option<string?>("--ttl") { Description = "The entry expires after this long, e.g. 10m: a global entry then stops applying (the set is off), a tenant entry stops overriding (the global entry applies again). Not given: the current expiry is kept." };
        var noTtl = new Option<bool>("--no-ttl") { Description = "Clear the entry's expiry (it stays until changed or deleted)." };
        var expect = new Option<ulong?>("--expect-version") { Description = "Apply only if the policy is still at this version." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)." };
        var command = new Command("set", "Change one neuron set's mitigation entry (global or one tenant's): flags not given keep their current values; versioned, audited, pushed to every model server.") { set };
        foreach (var o in new Option[] { mode, strength, preset, topK, tenant, ttl, noTtl, expect, reason })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            if (parse.GetValue(ttl) is not null && parse.GetValue(noTtl))
            {
                throw new CtlUsageException("--ttl and --no-ttl contradict each other: give one.");
            }
            if (parse.GetValue(strength) is { } given && (given is < 0 or > 1 || !float.IsFinite(given)))
            {
                throw new CtlUsageException($"--strength {given} is out of range: use a value in 0..1.");
            }
            var patch = new PolicyPatch
            {
                Set = parse.GetValue(set)!,
                Tenant = parse.GetValue(tenant) ?? "",
                Mode = parse.GetValue(mode) is { } m ? CtlFormats.ParseMode(m) : null,
                Strength = parse.GetValue(strength),
                Preset = parse.GetValue(preset) is { } p ? CtlFormats.ParsePreset(p) : null,
                TopK = parse.GetValue(topK),
                TtlSeconds = parse.GetValue(noTtl) ? 0 : parse.GetValue(ttl) is { } t ? CtlFormats.ParseTtl(t) : null,
                Reason = parse.GetValue(reason) ?? "",
            };
            ulong? expected = parse.GetValue(expect);
            SetMitigationResponse reply;
            for (int attempt = 1; ; attempt++)
            {
                var current = (await s.Control.GetPolicyAsync(new GetPolicyRequest(), s.Call())).Policy ?? new Policy();
                if (expected is { } e && e != current.Version)
                {
                    throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Aborted,
                        $"the policy is at version {current.Version}, not {e} (--expect-version): nothing was changed"));
                }
                var entry = current.Mitigations.FirstOrDefault(x => x.Set == patch.Set && x.Tenant == patch.Tenant);
                var request = patch.Apply(entry, current.Version, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                try
                {
                    reply = await s.Control.SetMitigationAsync(request, s.Call());
                    break;
                }
                catch (Grpc.Core.RpcException x) when (x.StatusCode == Grpc.Core.StatusCode.Aborted && expected is null && attempt < 3)
                {
                    // Another writer moved the policy between our read and write: read it again.
                }
            }
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            s.Output.WriteLine(reply.Unchanged
                ? $"unchanged: {patch.Set} already has this setting; the policy stays at version {reply.Policy?.Version ?? 0}"
                : $"policy is now at version {reply.Policy?.Version ?? 0}");
            Write(s.Output, reply.Policy ?? new Policy());
        }));
        return command;
    }

    private static Command Delete()
    {
        var set = new Argument<string>("set") { Description = "Neuron set whose entry to remove, e.g. toxicity." };
        var tenant = new Option<string?>("--tenant") { Description = "Remove this tenant's entry (default: the global one)." };
        var expect = new Option<ulong?>("--expect-version") { Description = "Apply only if the policy is still at this version." };
        var command = new Command("delete", "Remove one neuron set's entry (global or one tenant's); versioned and audited.") { set, tenant, expect };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var request = new DeleteMitigationRequest
            {
                Set = parse.GetValue(set)!,
                Tenant = parse.GetValue(tenant) ?? "",
                ExpectedVersion = parse.GetValue(expect) ?? 0,
            };
            var reply = await s.Control.DeleteMitigationAsync(request, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            s.Output.WriteLine($"deleted {request.Set} ({(request.Tenant.Length == 0 ? "global" : $"tenant {request.Tenant}")}); policy is now at version {reply.Policy?.Version ?? 0}");
            Write(s.Output, reply.Policy ?? new Policy());
        }));
        return command;
    }

    private static void Write(TextWriter output, Policy policy)
    {
        var table = new Table("SET", "SCOPE", "MODE", "STRENGTH", "PRESET", "EXPIRES", "VERSION", "BY");
        foreach (var m in policy.Mitigations)
        {
            table.Add(m.Set, string.IsNullOrEmpty(m.Tenant) ? "global" : $"tenant {m.Tenant}", CtlFormats.Mode(m.Mode), CtlFormats.Number(m.Strength),
                CtlFormats.Preset(m.Preset, m.TopK), m.ExpiresAtUnixMs == 0 ? "never" : CtlFormats.Time(m.ExpiresAtUnixMs),
                policy.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), string.IsNullOrEmpty(m.UpdatedBy) ? "-" : m.UpdatedBy);
        }
        if (policy.Mitigations.Count == 0)
        {
            output.WriteLine($"policy version {policy.Version}: no mitigations (every set off)");
            return;
        }
        table.WriteTo(output);
    }
}
