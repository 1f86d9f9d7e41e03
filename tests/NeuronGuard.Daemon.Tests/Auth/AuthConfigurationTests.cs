using NeuronGuard.Daemon.Auth;

namespace NeuronGuard.Daemon.Tests.Auth;

public sealed class AuthConfigurationTests
{
    [Fact]
    public void BadHashUnknownRoleAndDuplicateName_AllListedWithFixes()
    {
        var options = new AuthOptions
        {
            Tokens =
            {
                new TokenEntry { Name = "a", Hash = "ng_plaintexttoken", Roles = ["operator"] },
                new TokenEntry { Name = "a", Hash = TokenHasher.Hash("x"), Roles = ["admin"] },
                new TokenEntry { Name = "c", Hash = TokenHasher.Hash("y"), Roles = [] },
            },
        };
        var ex = Assert.Throws<AuthConfigurationException>(() => new Authenticator(options, listenerIsLoopback: true));
        Assert.Contains("4 problems", ex.Message);
        Assert.Contains("is not \"sha256:\" followed by 64 hex digits", ex.Message);
        Assert.Contains("used twice", ex.Message);
        Assert.Contains("unknown role 'admin': use ingest, operator or viewer", ex.Message);
        Assert.Contains("Roles is empty", ex.Message);
    }

    [Fact]
    public void NoTokensOnNonLoopbackListener_RefusedUnlessAllowAnonymous()
    {
        var ex = Assert.Throws<AuthConfigurationException>(() => new Authenticator(new AuthOptions(), listenerIsLoopback: false));
        Assert.Contains("AllowAnonymous", ex.Message);
        var open = new Authenticator(new AuthOptions { AllowAnonymous = true }, listenerIsLoopback: false);
        Assert.True(open.Anonymous);
        Assert.Contains("from anyone", open.StartupMessage);
    }

    [Fact]
    public void TokensConfigured_NotAnonymous_EvenWithAllowAnonymous()
    {
        var options = new AuthOptions { AllowAnonymous = true, Tokens = { new TokenEntry { Name = "m", Hash = TokenHasher.Hash("t"), Roles = ["ingest"] } } };
        var auth = new Authenticator(options, listenerIsLoopback: true);
        Assert.False(auth.Anonymous);
        Assert.Contains("1 bearer token(s)", auth.StartupMessage);
    }

    [Fact]
    public void TokenHasher_NewTokensAreDistinctAndHashesWellFormed()
    {
        var a = TokenHasher.NewToken();
        var b = TokenHasher.NewToken();
        Assert.NotEqual(a, b);
        Assert.StartsWith("ng_", a);
        Assert.Equal(3 + 43, a.Length);
        Assert.True(TokenHasher.IsWellFormed(TokenHasher.Hash(a)));
        // Known SHA-256 of "abc".
        Assert.Equal("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", TokenHasher.Hash("abc"));
    }

    [Theory]
    [InlineData("/neuronguard.v1.Telemetry/Stream", Role.Ingest)]
    [InlineData("/neuronguard.v1.Control/SetMitigation", Role.Operator)]
    [InlineData("/neuronguard.v1.Control/WatchVerdicts", Role.Viewer)]
    [InlineData("/neuronguard.v1.Control/GetOverview", Role.Viewer)]
    [InlineData("/neuronguard.v1.Control/GetRequest", Role.Viewer)]
    [InlineData("/neuronguard.v1.Catalogs/PutCatalog", Role.Operator)]
    [InlineData("/neuronguard.v1.Baselines/GetBaseline", Role.Viewer)]
    [InlineData("/neuronguard.v1.Baselines/ListBaselines", Role.Viewer)]
    [InlineData("/neuronguard.v1.Baselines/PutBaseline", Role.Operator)]
    [InlineData("/neuronguard.v1.Inference/Generate", Role.Viewer)]
    [InlineData("/neuronguard.v1.Future/Anything", Role.Operator)]
    public void MethodRoles_AsDocumented(string method, Role role) => Assert.Equal(role, MethodRoles.Required(method));

    [Fact]
    public void MethodRoles_HealthNeedsNone() => Assert.Null(MethodRoles.Required("/grpc.health.v1.Health/Watch"));
}
