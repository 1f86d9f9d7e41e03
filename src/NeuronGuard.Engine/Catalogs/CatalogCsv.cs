using System.Globalization;

namespace NeuronGuard.Engine.Catalogs;

/// <summary>
/// Imports research outputs written as CSV: one neuron per line, <c>layer,index,score</c> (score optional,
/// an AUROC in [0, 1]). A first line that does not start with a number is taken as a header; blank lines and
/// lines starting with '#' are skipped. Errors name the line.
/// </summary>
public static class CatalogCsv
{
    public static List<CatalogNeuron> ReadNeurons(TextReader reader)
    {
        var neurons = new List<CatalogNeuron>();
        var errors = new List<string>();
        int lineNo = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#' || (lineNo == 1 && !char.IsDigit(text[0]) && text[0] != '-'))
            {
                continue;
            }
            var parts = text.Split(',');
            if (parts.Length is < 2 or > 3)
            {
                errors.Add($"line {lineNo}: expected 'layer,index[,score]' but found {parts.Length} fields.");
                continue;
            }
            if (!int.TryParse(parts[0].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int layer) ||
                !int.TryParse(parts[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int index))
            {
                errors.Add($"line {lineNo}: layer and index must be whole numbers (found '{parts[0].Trim()}', '{parts[1].Trim()}').");
                continue;
            }
            double? score = null;
            if (parts.Length == 3 && parts[2].Trim().Length > 0)
            {
                if (!double.TryParse(parts[2].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double s))
                {
                    errors.Add($"line {lineNo}: score '{parts[2].Trim()}' is not a number (use '.' as the decimal point).");
                    continue;
                }
                score = s;
            }
            neurons.Add(new CatalogNeuron { Layer = layer, Index = index, Score = score });
        }
        if (errors.Count > 0)
        {
            throw new CatalogException(errors);
        }
        return neurons;
    }

    /// <summary>A set from CSV, with AurA gains derived from the scores where present.</summary>
    public static NeuronSet ReadSet(TextReader reader, string name, NeuronSetKind kind, Provenance provenance)
    {
        var neurons = ReadNeurons(reader)
            .Select(n => n.Score is { } s ? n with { Gain = Mitigation.MitigationGains.AuraGain(s) } : n)
            .ToList();
        return new NeuronSet { Name = name, Kind = kind, Neurons = neurons, Provenance = provenance };
    }
}
