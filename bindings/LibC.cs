// The few libc calls the store launcher needs (sending SIGTERM for a clean stop).
// Not part of plasmasharp.h, so written by hand beside the generated NativeMethods.g.cs.
using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

internal static partial class LibC
{
    internal const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int kill(int pid, int signal);
}
