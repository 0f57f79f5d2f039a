using PlasmaSharp.Cli;

// plasmasharp: the commands are defined in CommandTree (see `plasmasharp --help`).
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C ends `watch` cleanly; a second one kills the process.
    if (interrupted.IsCancellationRequested) return;
    e.Cancel = true;
    interrupted.Cancel();
};
return CliApp.Run(args, CliConsole.System, interrupted.Token);
