using System.Text.RegularExpressions;
using Grpc.Core;
using Microsoft.Playwright;
using NeuronGuard.Api.V1;
using NeuronGuard.Console.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace NeuronGuard.Console.Tests;

/// <summary>
/// The console in Debian's chromium (Playwright) against a real daemon with the built-in model host on the planted
/// fixture: sign-in, every view, a policy toggle that changes the next generation, the live tail, roles, and markup
/// from a model server shown as text. Each test takes screenshots of the views it visits (see <see cref="Screenshots"/>).
/// </summary>
public sealed partial class ConsoleBrowserTests(ConsoleDaemon fx, Browser browser) : IClassFixture<ConsoleDaemon>, IClassFixture<Browser>
{
    private const int Narrow = 390;

    private async Task<ConsolePage> SignedInAsync(string token, string hash = "#/overview", int width = 1280, int height = 800)
    {
        var page = await browser.OpenAsync(fx.ConsoleUri, width, height);
        await page.SignInAsync(token);
        if (hash != "#/overview")
        {
            await page.GoAsync(hash);
        }
        return page;
    }

    [BrowserFact]
    public async Task SignIn_OverviewShowsBuiltinServerWithModelAndFingerprint_NoCspViolation()
    {
        await using var page = await browser.OpenAsync(fx.ConsoleUri);
        await Expect(page.Page.GetByLabel("Bearer token")).ToBeVisibleAsync();
        await Screenshots.TakeAsync(page.Page, "sign-in");
        await page.SignInAsync(fx.OperatorToken);
        await Expect(page.Page.Locator("#whoami")).ToHaveTextAsync("console-operator: operator");
        var host = ModelServer.ServeHost.BuiltinHost(fx.Daemon)!;
        var servers = page.Page.Locator("table", new() { Has = page.Page.Locator("caption", new() { HasText = "Connected model servers" }) });
        await Expect(servers).ToContainTextAsync(host.Options.ServerId);
        await Expect(servers).ToContainTextAsync(host.Host.Info.Fingerprint[..16]);
        // Rates need two samples: wait for the second.
        await Expect(page.Page.Locator(".stat", new() { HasText = "Requests/s" }).Locator("dd")).Not.ToHaveTextAsync("…", new() { Timeout = 10_000 });
        await Screenshots.TakeAsync(page.Page, "overview");
        Assert.Empty(page.ConsoleErrors);
        Assert.Empty(page.Dialogs);
    }

    [BrowserFact]
    public async Task SignIn_WrongToken_RefusedWithReason_NothingStored()
    {
        await using var page = await browser.OpenAsync(fx.ConsoleUri);
        await page.Page.GetByLabel("Bearer token").FillAsync("ng_not-a-token");
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Page.Locator("#sign-in-error")).ToContainTextAsync("refused the token");
        Assert.Null(await page.Page.EvaluateAsync<string?>("sessionStorage.getItem('neuronguard.console.token')"));
        await Expect(page.Page.Locator("#nav")).ToBeHiddenAsync();
    }

    [BrowserFact]
    public async Task OperatorSetsBackdoorOnFlagGlobally_AfterConfirmation_NextGenerateIsAttenuated()
    {
        const string tenant = "t-console-toggle";
        var before = await fx.GenerateAsync(ConsoleDaemon.TriggeredPrompt, tenant);
        Assert.All(Tokens(before), t => Assert.Equal(0u, t.AttenuatedNeurons));

        await using var page = await SignedInAsync(fx.OperatorToken, "#/policy");
        var p = page.Page;
        await p.GetByLabel("Neuron set").FillAsync("backdoor");
        await p.GetByLabel("Tenant").FillAsync("");
        await p.GetByLabel("Mode").SelectOptionAsync("on_flag"); // explicit: the backdoor set's default may change
        await p.GetByLabel("Preset").SelectOptionAsync("aura");
        await p.GetByLabel("Strength (0–1)").FillAsync("1");
        await p.GetByLabel("Reason (audit log)").FillAsync("browser test");
        await p.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        // A global change asks first; the dialog is the page's own (<dialog>), not a JavaScript confirm().
        var confirm = p.Locator("#policy-confirm");
        await Expect(confirm).ToBeVisibleAsync();
        await Expect(confirm).ToContainTextAsync("every tenant");
        await Screenshots.TakeAsync(p, "policy-confirm");
        await p.GetByRole(AriaRole.Button, new() { Name = "Apply to every tenant" }).ClickAsync();
        await Expect(p.Locator("#policy-message")).ToContainTextAsync("policy version");
        ulong version = ulong.Parse(VersionIn().Match(await p.Locator("#policy-message").InnerTextAsync()).Groups[1].Value);
        try
        {
            var entries = p.Locator("table", new() { Has = p.Locator("caption", new() { HasText = "Entries at policy version" }) });
            var global = entries.Locator("tr", new() { HasText = "backdoor" }).Filter(new() { HasText = "global" });
            await Expect(global).ToContainTextAsync("on_flag");
            await Expect(global).ToContainTextAsync("console-operator");
            await Expect(p.Locator("#policy-changes tbody tr").First).ToContainTextAsync("console-operator");
            await Screenshots.TakeAsync(p, "policy");
            await page.Page.SetViewportSizeAsync(Narrow, 844);
            await Screenshots.TakeAsync(p, "policy-narrow");

            await fx.WaitForPolicyAsync(version);
            var after = await fx.GenerateAsync(ConsoleDaemon.TriggeredPrompt, tenant);
            var tokens = Tokens(after);
            Assert.NotEmpty(tokens);
            Assert.True(tokens[0].Verdict.Flagged, "the trigger prompt was not flagged");
            Assert.All(tokens, t => Assert.True(t.AttenuatedNeurons > 0, $"token {t.Step} was not attenuated under on_flag"));
            Assert.Empty(page.Dialogs);
            Assert.Empty(page.ConsoleErrors);
        }
        finally
        {
            var control = new Api.V1.Control.ControlClient(fx.Channel);
            await control.DeleteMitigationAsync(new DeleteMitigationRequest { Set = "backdoor" }, fx.Bearer(fx.OperatorToken));
        }
    }

    [BrowserFact]
    public async Task Tail_ShowsFlaggedRequestWithinTwoSeconds_PauseBuffers_RequestPageShowsScoresAndNeurons()
    {
        const string tenant = "t-console-tail";
        await using var page = await SignedInAsync(fx.OperatorToken, "#/tail");
        var p = page.Page;
        await p.GetByLabel("Flagged only").CheckAsync();
        await p.GetByLabel("Tenant").FillAsync(tenant);
        await p.GetByLabel("Tenant").PressAsync("Enter");
        // "Live." once the daemon answered the stream, which it does after subscribing: nothing from here is missed.
        await Expect(p.Locator("#tail-state")).ToHaveTextAsync("Live.");

        await fx.GenerateAsync(ConsoleDaemon.TriggeredPrompt, tenant);
        // The issue's bound: the verdict has been sent by the time Generate returns; the tail shows it within 2 s.
        var flaggedRow = p.Locator("#tail-rows tr.flagged", new() { HasText = tenant });
        await Expect(flaggedRow.First).ToBeVisibleAsync(new() { Timeout = 2_000 });
        await Expect(flaggedRow.First).ToContainTextAsync("backdoor");
        await Screenshots.TakeAsync(p, "tail");

        // Paused: what arrives is counted, not shown, and not lost.
        int shown = await p.Locator("#tail-rows tr").CountAsync();
        await p.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await fx.GenerateAsync(ConsoleDaemon.TriggeredPrompt, tenant);
        await Expect(p.Locator("#tail-state")).ToHaveTextAsync(BufferedCount());
        Assert.Equal(shown, await p.Locator("#tail-rows tr").CountAsync());
        await Screenshots.TakeAsync(p, "tail-paused");
        await p.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(p.Locator("#tail-rows tr")).Not.ToHaveCountAsync(shown);

        await flaggedRow.First.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(p.Locator("#request-title")).ToBeVisibleAsync();
        var backdoorChart = p.Locator("figure.chart", new() { HasText = "backdoor" });
        await Expect(backdoorChart).ToContainTextAsync("flagged");
        await Expect(backdoorChart.Locator("svg polyline")).ToBeAttachedAsync();
        await Expect(backdoorChart.Locator("svg circle.flagged").First).ToBeAttachedAsync();
        await Expect(p.Locator("ol.neurons li", new() { HasText = "backdoor" }).First).ToBeVisibleAsync();
        // The driving neuron's logit-lens explanation (neuronguard explain): the fixture's backdoor neuron writes " unlocked".
        await Expect(p.Locator("ol.neurons li", new() { HasText = "backdoor" }).First.Locator("dl.explanation"))
            .ToContainTextAsync("\" unlocked\"");
        await Screenshots.TakeAsync(p, "request");
        await p.SetViewportSizeAsync(Narrow, 844);
        await Screenshots.TakeAsync(p, "request-narrow");
        Assert.Empty(page.ConsoleErrors);
    }

    [BrowserFact]
    public async Task Viewer_SeesPolicyButCannotToggle_AndTheServerRefusesAnyway()
    {
        await using var page = await SignedInAsync(fx.ViewerToken, "#/policy");
        var p = page.Page;
        await Expect(p.Locator("#whoami")).ToHaveTextAsync("console-viewer: viewer, read-only");
        await Expect(p.Locator("#policy-readonly")).ToContainTextAsync("viewer role");
        await Expect(p.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeDisabledAsync();
        await Expect(p.GetByLabel("Mode")).ToBeDisabledAsync();
        await Expect(p.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToHaveAttributeAsync("title", new Regex("viewer role"));
        await Expect(p.Locator("table").First).ToBeVisibleAsync();
        await Screenshots.TakeAsync(p, "policy-viewer");

        // The page's own fetch with the viewer token, as a modified page would send it: 403, and the policy is unchanged.
        var control = new Api.V1.Control.ControlClient(fx.Channel);
        var before = (await control.GetPolicyAsync(new GetPolicyRequest(), fx.Bearer(fx.OperatorToken))).Policy.Version;
        int status = await p.EvaluateAsync<int>("""
            async () => (await fetch('/v1/policy/mitigations', { method: 'POST',
              headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + sessionStorage.getItem('neuronguard.console.token') },
              body: JSON.stringify({ set: 'backdoor', mode: 'MITIGATION_MODE_ALWAYS' }) })).status
            """);
        Assert.Equal(403, status);
        Assert.Equal(before, (await control.GetPolicyAsync(new GetPolicyRequest(), fx.Bearer(fx.OperatorToken))).Policy.Version);
    }

    [BrowserFact]
    public async Task ModelServerSuppliedMarkup_RendersAsText_NoDialogNoElement()
    {
        await using var hostile = await HostileModelServer.ConnectAsync(fx);
        await using var unknown = await HostileModelServer.ConnectAsync(fx, "unknown-model-server", new string('7', 32));
        await using var page = await SignedInAsync(fx.ViewerToken);
        var p = page.Page;
        // A connected server whose model the daemon cannot score is red, with the reason.
        var unmonitored = p.Locator("tr.unmonitored", new() { HasText = "unknown-model-server" });
        await Expect(unmonitored.Locator("td.bad")).ToContainTextAsync("not monitored");
        var cell = p.Locator("td", new() { HasTextString = HostileModelServer.ServerId });
        await Expect(cell).ToHaveTextAsync(HostileModelServer.ServerId);
        await Expect(p.Locator("main")).ToContainTextAsync(HostileModelServer.ModelId);
        Assert.Equal(0, await p.Locator("main script, main img").CountAsync());
        await Screenshots.TakeAsync(p, "overview-hostile");

        await page.GoAsync("#/tail");
        await Expect(p.Locator("#tail-state")).ToHaveTextAsync("Live.");
        await hostile.RequestAsync("hostile-1");
        var row = p.Locator("#tail-rows tr", new() { HasText = "hostile-1" }).First;
        await Expect(row.Locator("td.tenant")).ToHaveTextAsync(HostileModelServer.Tenant);
        await Expect(row.Locator("td.server")).ToHaveTextAsync(HostileModelServer.ServerId);
        Assert.Equal(0, await p.Locator("main script, main img").CountAsync());

        // The request's page shows the labels (keys and values from the model server) as text too.
        await row.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(p.Locator(".facts")).ToContainTextAsync("<b>label</b>=<i>value</i>");
        await Expect(p.Locator(".facts")).ToContainTextAsync(HostileModelServer.ServerId);
        Assert.Equal(0, await p.Locator("main script, main img, main b, main i").CountAsync());
        await p.WaitForTimeoutAsync(200); // an injected onerror would have fired by now
        Assert.Empty(page.Dialogs);
        Assert.Empty(page.ConsoleErrors);
    }

    [BrowserFact]
    public async Task Audit_PagesNewestFirst_ShowsWhoChangedThePolicy()
    {
        var control = new Api.V1.Control.ControlClient(fx.Channel);
        for (int i = 0; i < 30; i++)
        {
            await control.SetMitigationAsync(new SetMitigationRequest { Set = "backdoor", Mode = i % 2 == 0 ? MitigationMode.Shadow : MitigationMode.Off, Tenant = "t-console-audit", Reason = $"audit {i}" }, fx.Bearer(fx.OperatorToken));
        }
        await using var page = await SignedInAsync(fx.ViewerToken, "#/audit");
        var p = page.Page;
        await Expect(p.Locator("#audit-page")).ToHaveTextAsync("Entries 1–25");
        var newest = p.Locator("tbody tr", new() { HasText = "(audit 29)" });
        await Expect(newest).ToContainTextAsync("console-operator");
        await Expect(newest).ToContainTextAsync(new Regex(@"set backdoor/\S*t-console-audit\S*: off")); // the page's summary of the JSON detail
        await Expect(p.Locator("tbody")).Not.ToContainTextAsync("(audit 4)");
        await Expect(p.GetByRole(AriaRole.Button, new() { Name = "← Newer" })).ToBeDisabledAsync();
        await Screenshots.TakeAsync(p, "audit");
        await p.GetByRole(AriaRole.Button, new() { Name = "Older →" }).ClickAsync();
        await Expect(p.Locator("#audit-page")).ToContainTextAsync("Entries 26–");
        await Expect(p.Locator("tbody")).ToContainTextAsync("(audit 4)");
        await Expect(p.Locator("tbody")).Not.ToContainTextAsync("(audit 29)");
        await p.SetViewportSizeAsync(Narrow, 844);
        await p.GetByRole(AriaRole.Button, new() { Name = "← Newer" }).ClickAsync();
        await Expect(p.Locator("#audit-page")).ToHaveTextAsync("Entries 1–25");
        await Screenshots.TakeAsync(p, "audit-narrow");
    }

    private static List<GeneratedToken> Tokens(List<GenerateEvent> events) =>
        events.Where(e => e.KindCase == GenerateEvent.KindOneofCase.Token).Select(e => e.Token).ToList();

    [GeneratedRegex(@"policy version (\d+)")]
    private static partial Regex VersionIn();

    [GeneratedRegex(@"Paused: [1-9]\d* new verdicts? buffered\.")]
    private static partial Regex BufferedCount();
}
