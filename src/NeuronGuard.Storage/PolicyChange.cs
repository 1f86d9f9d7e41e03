namespace NeuronGuard.Storage;

/// <summary>One entry of a policy write: <paramref name="Json"/> sets the entry, null removes it.</summary>
public sealed record PolicyChange(string Key, string? Json)
{
    public static PolicyChange Set(string key, string json) => new(key, json);

    public static PolicyChange Remove(string key) => new(key, null);
}
