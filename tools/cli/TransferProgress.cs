using Spectre.Console;

namespace PlasmaSharp.Cli;

/// <summary>A progress bar for copying a large file into or out of the store, drawn only on a
/// terminal: redirected output (scripts, tests) gets no bar and no escape codes.</summary>
internal static class TransferProgress
{
    /// <summary>Below this a bar would only flash: smaller copies take well under a second.</summary>
    public const long MinimumBytes = 16L << 20;

    /// <summary>The copy step: pieces this big, so the bar moves smoothly and Ctrl+C is noticed.</summary>
    public const int StepBytes = 1 << 20;

    /// <summary>Runs <paramref name="copy"/> (with a bar when <paramref name="terminal"/> is set), which reports each copied piece's length through its argument.</summary>
    public static void Run(IAnsiConsole? terminal, string label, long totalBytes, Action<Action<long>> copy)
    {
        if (terminal is null || totalBytes < MinimumBytes)
        {
            copy(_ => { });
            return;
        }
        terminal.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                     new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask(Markup.Escape(label), maxValue: totalBytes);
                copy(bytes => task.Increment(bytes));
                task.Value = totalBytes;
            });
    }
}
