using System.Globalization;
using System.Text;

namespace NeuronGuard.Bench.Trained;

/// <summary>The markdown of bench/results/trained-model.md: a goal table first, then each section's tables.</summary>
internal sealed class TrainedReport
{
    private readonly List<string> _goals = new();
    private readonly StringBuilder _body = new();

    public bool AllMet { get; private set; } = true;

    public void Goal(string goal, string measured, bool met)
    {
        _goals.Add($"| {goal} | {measured} | {(met ? "yes" : "**no**")} |");
        AllMet &= met;
    }

    public void Section(string title, string? note = null)
    {
        _body.AppendLine().AppendLine("## " + title).AppendLine();
        if (note is not null)
        {
            _body.AppendLine(note).AppendLine();
        }
    }

    public void Table(string header, IEnumerable<string> rows)
    {
        _body.AppendLine(header);
        _body.AppendLine("|" + string.Concat(Enumerable.Repeat(" --- |", header.Count(c => c == '|') - 1)));
        foreach (var r in rows)
        {
            _body.AppendLine(r);
        }
    }

    public void Line(string text) => _body.AppendLine(text);

    public string Render(IEnumerable<string> preamble)
    {
        var md = new StringBuilder();
        md.AppendLine("# Detection and mitigation on a trained GPT-2 (issue 17)").AppendLine();
        foreach (var p in preamble)
        {
            md.AppendLine("- " + p);
        }
        md.AppendLine().AppendLine("## Goals").AppendLine();
        md.AppendLine("| goal | measured | met |").AppendLine("| --- | --- | --- |");
        _goals.ForEach(g => md.AppendLine(g));
        md.Append(_body);
        return md.ToString();
    }

    public static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    public static string Pct(double x) => Inv($"{x * 100:0.0} %");
}
