namespace NeuronGuard.Storage.Tests;

public sealed class StoreChangeTests
{
    [Theory]
    [InlineData("policy 17")]
    [InlineData("catalog gpt2-abc c3")]
    [InlineData("baseline gpt2-abc b9")]
    public void TryParse_WireMessage_RoundTrips(string message)
    {
        Assert.Equal(message, StoreChange.TryParse(message)!.ToMessage());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("tenant x y")]
    [InlineData("policy")]
    public void TryParse_UnknownMessage_ReturnsNull(string? message)
    {
        Assert.Null(StoreChange.TryParse(message));
    }
}
