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
        var mode = new Option<string>("--mode") { Description = "off, shadow, on-flag, always or abort.", Required = true };
        var strength = new Option<float?>("--strength") { Description = "0..1; scales the preset's gains (default 1)." };
        var preset = new Option<string?>("--preset") { Description = "aura, det0 or damp." };
        var topK = new Option<uint?>("--top-k") { Description = "For det0: how many top neurons to ablate." };
        var tenant = new Option<string?>("--tenant") { Description = "Apply to this tenant only (default: global)." };
        var ttl = new Option<string?>("--ttl") { Description = "Revert to off after this long, e.g. 10m." };
        var expect = new Option<ulong?>("--expect-version") { Description = "Apply only if the policy is still at this version." };
        var reason = new Option<string?>("--reason") { Description = "Why (kept in the audit log)." };
        var command = new Command("set", "Change one neuron set's mitigation (versioned, audited, pushed to every model server).") { set };
        foreach (var o in new Option[] { mode, strength, preset, topK, tenant, ttl, expect, reason })
        {
            command.Options.Add(o);
        }
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var request = new SetMitigationRequest
            {
                Set = parse.GetValue(set)!,
                Mode = CtlFormats.ParseMode(parse.GetValue(mode)!),
                Preset = parse.GetValue(preset) is { } p ? CtlFormats.ParsePreset(p) : GainPreset.Unspecified,
                TopK = parse.GetValue(topK) ?? 0,
                Tenant = parse.GetValue(tenant) ?? "",
                TtlSeconds = parse.GetValue(ttl) is { } t ? CtlFormats.ParseTtl(t) : 0,
                ExpectedVersion = parse.GetValue(expect) ?? 0,
                Reason = parse.GetValue(reason) ?? "",
            };
            if (parse.GetValue(strength) is { } given)
            {
                if (given is < 0 or > 1 || !float.IsFinite(given))
                {
                    throw new CtlUsageException($"--strength {given} is out of range: use a value in 0..1.");
                }
                request.Strength = given; // unset means full strength (1), said explicitly by leaving the field out
            }
            var reply = await s.Control.SetMitigationAsync(request, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            s.Output.WriteLine(reply.Unchanged
                ? $"unchanged: {request.Set} already has this setting; the policy stays at version {reply.Policy?.Version ?? 0}"
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
