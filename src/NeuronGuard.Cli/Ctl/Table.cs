namespace NeuronGuard.Cli.Ctl;

/// <summary>
/// A plain text table: columns padded to their widest cell, two spaces apart. A row may carry detail lines, printed
/// indented under it and left out of the column widths (a flagged request's explained neurons).
/// </summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = new();
    private readonly Dictionary<int, List<string>> _details = new();

    public void Add(params string[] cells) => _rows.Add(cells);

    /// <summary>A line printed, indented by two spaces, under the last row added.</summary>
    public void AddDetail(string line)
    {
        int row = _rows.Count - 1;
        if (!_details.TryGetValue(row, out var lines))
        {
            _details[row] = lines = new List<string>();
        }
        lines.Add(line);
    }

    public void WriteTo(TextWriter output)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(Line(headers, widths));
        for (int r = 0; r < _rows.Count; r++)
        {
            output.WriteLine(Line(_rows[r], widths));
            foreach (var line in _details.GetValueOrDefault(r) ?? [])
            {
                output.WriteLine("  " + line);
            }
        }
    }

    private static string Line(string[] cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => i == cells.Length - 1 ? c : c.PadRight(widths[i]))).TrimEnd();
}
