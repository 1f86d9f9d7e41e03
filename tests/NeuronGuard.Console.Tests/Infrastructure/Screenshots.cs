using Microsoft.Playwright;

namespace NeuronGuard.Console.Tests.Infrastructure;

/// <summary>
/// Screenshots of the console's views: into docs/console/ when NEURONGUARD_UPDATE_SCREENSHOTS=1 (to refresh the
/// ones docs/console.md shows), else into a temp folder, so an ordinary test run never changes the checkout.
/// </summary>
public static class Screenshots
{
    public static string Folder { get; } = Resolve();

    public static Task TakeAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Folder, name + ".png"), FullPage = false, Animations = ScreenshotAnimations.Disabled });

    private static string Resolve()
    {
        if (Environment.GetEnvironmentVariable("NEURONGUARD_UPDATE_SCREENSHOTS") == "1")
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "NeuronGuard.sln")))
                {
                    return Directory.CreateDirectory(Path.Combine(dir.FullName, "docs", "console")).FullName;
                }
            }
        }
        return Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "neuronguard-console-screenshots")).FullName;
    }
}
