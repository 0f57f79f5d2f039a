// Finds libplasmasharp_native.so. A ProjectReference gets no runtime-targets entry in deps.json,
// so default probing would miss runtimes/<rid>/native/; we look there first ourselves.
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PlasmaSharp.Interop;

internal static class NativeLibraryResolver
{
    /// <summary>Environment variable naming an extra folder holding the native library (and plasma-store).</summary>
    internal const string NativeDirVariable = "PLASMASHARP_NATIVE_DIR";

    internal const string NativeFileName = "libplasmasharp_native.so";

    /// <summary>The folder the native library was loaded from by this resolver, if it was.</summary>
    internal static string? LoadedFromDirectory { get; private set; }

    [SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before the first P/Invoke.")]
    [ModuleInitializer]
    internal static void Register()
        => NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.LibraryName) return 0;
        foreach (string dir in CandidateDirectories())
        {
            string path = Path.Combine(dir, NativeFileName);
            if (File.Exists(path) && NativeLibrary.TryLoad(path, out nint loaded))
            {
                LoadedFromDirectory = dir;
                return loaded;
            }
        }
        return 0; // let the runtime's default probing (LD_LIBRARY_PATH, deps.json) continue
    }

    /// <summary>Folders searched, in order: runtimes/&lt;rid&gt;/native under the assembly folder,
    /// the assembly folder, then $PLASMASHARP_NATIVE_DIR.</summary>
    [UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "An empty Location (single-file app) falls back to AppContext.BaseDirectory.")]
    internal static IEnumerable<string> CandidateDirectories()
    {
        string assemblyDir = AppContext.BaseDirectory;
        string? location = typeof(NativeLibraryResolver).Assembly.Location;
        if (!string.IsNullOrEmpty(location)) assemblyDir = Path.GetDirectoryName(location) ?? assemblyDir;
        yield return Path.Combine(assemblyDir, "runtimes", RuntimeId, "native");
        yield return assemblyDir;
        string? fromEnv = Environment.GetEnvironmentVariable(NativeDirVariable);
        if (!string.IsNullOrEmpty(fromEnv)) yield return fromEnv;
    }

    /// <summary>The portable RID of this process, e.g. linux-x64.</summary>
    internal static string RuntimeId
    {
        get
        {
            string os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "osx" : "win";
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                Architecture.Arm => "arm",
                var other => other.ToString().ToLowerInvariant(),
            };
            return $"{os}-{arch}";
        }
    }
}
