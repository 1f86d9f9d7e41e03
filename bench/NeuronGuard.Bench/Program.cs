using System.Reflection;
using NeuronGuard.Bench;

var suites = typeof(IBenchmark).Assembly.GetTypes()
    .Where(t => !t.IsAbstract && typeof(IBenchmark).IsAssignableFrom(t))
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Name, StringComparer.Ordinal)
    .ToList();

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: dotnet run --project bench/NeuronGuard.Bench -c Release -- SUITE [options]");
    Console.WriteLine();
    foreach (var s in suites)
    {
        Console.WriteLine($"  {s.Name,-12} {s.Description}");
    }
    return args.Length == 0 ? 2 : 0;
}

var suite = suites.FirstOrDefault(s => s.Name == args[0]);
if (suite is null)
{
    Console.Error.WriteLine($"unknown suite '{args[0]}'; known: {string.Join(", ", suites.Select(s => s.Name))}");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
return await suite.RunAsync(args[1..], cts.Token);

