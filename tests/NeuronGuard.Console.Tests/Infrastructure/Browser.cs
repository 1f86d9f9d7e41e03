using Microsoft.Playwright;

namespace NeuronGuard.Console.Tests.Infrastructure;

/// <summary>
/// Playwright driving <see cref="Chromium"/> headless, one browser for a test class. Pages record every JavaScript
/// dialog (alert, confirm) and console error, so a test can assert that none fired.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Instance { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (Chromium.MissingReason is not null)
        {
            return; // the tests are skipped with the reason
        }
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        _playwright = await Playwright.CreateAsync();
        Instance = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.ExecutablePath,
            Headless = true,
            // Root in a container has no user namespace for chromium's sandbox.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh context (its own session storage) and page at the given viewport.</summary>
    public async Task<ConsolePage> OpenAsync(Uri console, int width = 1280, int height = 800)
    {
        var context = await Instance.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        var result = new ConsolePage(page, console);
        page.Dialog += (_, dialog) =>
        {
            result.Dialogs.Add($"{dialog.Type}: {dialog.Message}");
            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            // Chrome logs every 4xx answer as "Failed to load resource" (a model without a catalog is a 404 the page
            // expects); what must not happen is anything else: a script error or a Content-Security-Policy refusal.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                result.ConsoleErrors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => result.ConsoleErrors.Add(error);
        await page.GotoAsync(console.ToString());
        return result;
    }

    public async Task DisposeAsync()
    {
        if (Instance is not null)
        {
            await Instance.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

/// <summary>One console tab, with what it recorded.</summary>
public sealed class ConsolePage(IPage page, Uri console) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Dialogs { get; } = [];

    public List<string> ConsoleErrors { get; } = [];

    public Task GoAsync(string hash) => Page.GotoAsync(new Uri(console, "/console/" + hash).ToString());

    public async Task SignInAsync(string token)
    {
        await Page.GetByLabel("Bearer token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#nav")).ToBeVisibleAsync();
    }

    public ValueTask DisposeAsync() => new(Page.Context.CloseAsync());
}
