using System.Text;
using Xunit.Abstractions;

namespace NeuronGuard.Offline.Tests;

/// <summary>Routes a TextWriter's lines to xunit's test output.</summary>
internal sealed class OutputWriter(ITestOutputHelper output) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            output.WriteLine(_line.ToString());
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }
}
