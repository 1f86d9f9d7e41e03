using System.CommandLine;
using System.Text.Json;
using NeuronGuard.Daemon.Auth;

namespace NeuronGuard.Cli.Commands;

/// <summary>
/// <c>neuronguard token new</c> (a random token, printed once, and the config entry with its hash) and
/// <c>neuronguard token hash</c> (the hash of a token read from stdin, for a token made elsewhere).
/// </summary>
public static class TokenCommand
{
    public static Command Create()
    {
        var command = new Command("token", "Create bearer tokens and hash them for the daemon's \"Auth\" config.");
        command.Subcommands.Add(New());
        command.Subcommands.Add(Hash());
        return command;
    }

    private static Command New()
    {
        var name = new Option<string>("--name") { Description = "Caller identity for the audit log, e.g. vllm-pod-a or alice.", Required = true };
        var roles = new Option<string>("--roles") { Description = "Comma-separated: ingest, operator, viewer.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print {\"token\":..., \"entry\":{...}} only." };
        var command = new Command("new", "Generate a token; prints it once and the config entry (with its hash) to add under Auth:Tokens.") { name, roles, json };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var list = new List<string>();
            foreach (var r in parse.GetValue(roles)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!RoleNames.TryParse(r, out var role))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"error: unknown role '{r}': use ingest, operator or viewer (comma-separated).");
                    return 2;
                }
                if (!list.Contains(role.Name()))
                {
                    list.Add(role.Name());
                }
            }
            if (list.Count == 0 || string.IsNullOrWhiteSpace(parse.GetValue(name)))
            {
                parse.InvocationConfiguration.Error.WriteLine("error: give --name and at least one role in --roles (ingest, operator, viewer).");
                return 2;
            }
            var token = TokenHasher.NewToken();
            var entry = new TokenEntry { Name = parse.GetValue(name)!.Trim(), Hash = TokenHasher.Hash(token), Roles = list };
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object> { ["token"] = token, ["entry"] = Entry(entry) }));
                return 0;
            }
            output.WriteLine($"token (shown only now; give it to the client, e.g. NEURONGUARD_TOKEN): {token}");
            output.WriteLine("add this entry to the daemon's config under \"Auth\": { \"Tokens\": [ ... ] }:");
            output.WriteLine(JsonSerializer.Serialize(Entry(entry)));
            return 0;
        });
        return command;
    }

    private static Command Hash()
    {
        var command = new Command("hash", "Read a token from stdin and print its hash (\"sha256:...\") for Auth:Tokens.");
        command.SetAction(parse =>
        {
            var token = Console.In.ReadLine()?.Trim();
            if (string.IsNullOrEmpty(token))
            {
                parse.InvocationConfiguration.Error.WriteLine("error: no token on stdin: pipe it in, e.g. `printenv NEURONGUARD_TOKEN | neuronguard token hash`.");
                return 2;
            }
            parse.InvocationConfiguration.Output.WriteLine(TokenHasher.Hash(token));
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object> Entry(TokenEntry entry) => new()
    {
        ["Name"] = entry.Name,
        ["Hash"] = entry.Hash,
        ["Roles"] = entry.Roles,
    };
}
