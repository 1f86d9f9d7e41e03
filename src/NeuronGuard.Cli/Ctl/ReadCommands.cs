using System.CommandLine;
using System.Globalization;
using NeuronGuard.Api.V1;


namespace NeuronGuard.Cli.Ctl;

/// <summary><c>ctl flagged</c>, <c>ctl audit</c> and <c>ctl tail</c>.</summary>
internal static class ReadCommands
{
    /// <summary>Explained top neurons listed under a flagged request (the verdict carries up to the daemon's top-K).</summary>
    private const int MaxExplained = 5;

    public static Command Flagged()
    {
        var limit = new Option<uint>("--limit") { Description = "At most this many (default 100, max 1000).", DefaultValueFactory = _ => 100 };
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant." };
        var command = new Command("flagged", "Recently flagged requests, newest first.") { limit, tenant };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var reply = await s.Control.ListFlaggedAsync(
                new ListFlaggedRequest { Limit = parse.GetValue(limit), Tenant = parse.GetValue(tenant) ?? "" }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            var table = new Table("FLAGGED AT", "REQUEST", "SERVER", "TENANT", "SCORES");
            foreach (var r in reply.Requests)
            {
                table.Add(CtlFormats.Time(r.FlaggedAtUnixMs), r.RequestId, r.ServerId, string.IsNullOrEmpty(r.Tenant) ? "-" : r.Tenant, CtlFormats.Scores(r.Scores));
                if (r.FlaggedPositions.Count > 0)
                {
                    table.AddDetail($"prompt positions {string.Join(",", r.FlaggedPositions)}");
                }
                foreach (var n in r.TopNeurons.Where(n => n.Explanation is not null).Take(MaxExplained))
                {
                    table.AddDetail($"{n.Set} {ExplanationText.Neuron(n)}");
                }
            }
            table.WriteTo(s.Output);
        }));
        return command;
    }

    public static Command Audit()
    {
        var limit = new Option<uint>("--limit") { Description = "At most this many entries (default 50).", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Audit log entries, newest first.") { limit };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            var reply = await s.Control.GetAuditAsync(new GetAuditRequest { Limit = parse.GetValue(limit) }, s.Call());
            if (s.AsJson)
            {
                s.WriteJson(reply);
                return;
            }
            var table = new Table("AT", "ACTOR", "ACTION", "POLICY", "DETAIL");
            foreach (var e in reply.Entries)
            {
                table.Add(CtlFormats.Time(e.AtUnixMs), e.Actor, e.Action, e.PolicyVersion == 0 ? "-" : e.PolicyVersion.ToString(CultureInfo.InvariantCulture), e.Detail);
            }
            table.WriteTo(s.Output);
        }));
        return command;
    }

    public static Command Tail()
    {
        var flaggedOnly = new Option<bool>("--flagged-only") { Description = "Only flagged verdicts." };
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant." };
        var command = new Command("tail", "Print live verdicts, one line each, until Ctrl-C.") { flaggedOnly, tenant };
        command.SetAction((parse, ct) => CtlSession.RunAsync(parse, ct, async s =>
        {
            using var call = s.Control.WatchVerdicts(
                new WatchVerdictsRequest { FlaggedOnly = parse.GetValue(flaggedOnly), Tenant = parse.GetValue(tenant) ?? "" }, s.Call(streaming: true));
            while (await call.ResponseStream.MoveNext(s.CancellationToken))
            {
                var w = call.ResponseStream.Current;
                if (s.AsJson)
                {
                    s.WriteJson(w);
                }
                else
                {
                    var v = w.Verdict ?? new Verdict();
                    if (w.Dropped > 0)
                    {
                        s.Output.WriteLine($"... {w.Dropped} verdict(s) dropped (this watcher read too slowly)");
                    }
                    s.Output.WriteLine(string.Join("  ",
                        DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture), w.ServerId, string.IsNullOrEmpty(w.Tenant) ? "-" : w.Tenant,
                        v.RequestId, $"step {v.Step}{(v.Final ? " final" : "")}", v.Flagged ? "FLAGGED" : "ok", CtlFormats.Scores(v.Scores))
                        + (v.FlaggedPositions.Count > 0 ? $"  positions {string.Join(",", v.FlaggedPositions)}" : ""));
                    if (v.Flagged && v.TopNeurons.FirstOrDefault(n => n.Explanation is not null) is { } top)
                    {
                        s.Output.WriteLine($"  {top.Set} {ExplanationText.Neuron(top)}"); // the strongest explained neuron: one line, tail stays readable
                    }
                }
                await s.Output.FlushAsync(s.CancellationToken);
            }
        }));
        return command;
    }
}
