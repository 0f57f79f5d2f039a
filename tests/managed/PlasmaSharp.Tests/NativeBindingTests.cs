using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using PlasmaSharp.Interop;

namespace PlasmaSharp.Tests;

/// <summary>The raw layer (bindings/NativeMethods.g.cs) is generated from native/include/plasmasharp.h,
/// and the test command fails when the checked-in copy is not what the header generates
/// (tools/bindgen/check.sh). These tests check what generation cannot: that the built library
/// exports exactly the declared functions, and that the public API names every status code.</summary>
public class NativeBindingTests
{
    private static IEnumerable<string> DeclaredFunctions()
        => typeof(NativeMethods).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null)
            .Select(m => m.Name);

    private static Dictionary<string, int> HeaderConstants()
        => typeof(NativeConstants).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => Convert.ToInt32(f.GetRawConstantValue()));

    [Fact]
    public void Every_status_code_of_the_header_is_a_PlasmaErrorCode_and_nothing_else_is()
    {
        var codes = HeaderConstants().Where(kv => !kv.Key.EndsWith("_SIZE", StringComparison.Ordinal)).ToList();
        Assert.True(codes.Count >= 12, $"only {codes.Count} PS_* codes generated");
        Assert.Equal(codes.Select(kv => kv.Value).Order(), Enum.GetValues<PlasmaErrorCode>().Select(c => (int)c).Order());
        foreach (var (name, value) in codes)
        {
            string pascal = string.Concat(name["PS_".Length..].Split('_').Select(w => w[0] + w[1..].ToLowerInvariant()));
            Assert.True(Enum.TryParse(pascal, out PlasmaErrorCode code) && (int)code == value, $"{name}={value} has no PlasmaErrorCode.{pascal}");
        }
        Assert.Equal(ObjectId.Size, NativeConstants.PS_OBJECT_ID_SIZE);
    }

    [Fact]
    public void The_built_library_exports_exactly_the_declared_functions()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", NativeLibraryResolver.RuntimeId, "native", NativeLibraryResolver.NativeFileName);
        Assert.True(File.Exists(library), $"{library} is missing: build the native library and pass -p:PlasmaSharpNativeDir");
        var start = new ProcessStartInfo("nm") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-D", "--defined-only", library }) start.ArgumentList.Add(a);
        using Process nm = Process.Start(start)!; // binutils comes with g++ (build.sh's APT_PACKAGES)
        string output = nm.StandardOutput.ReadToEnd();
        nm.WaitForExit();
        Assert.Equal(0, nm.ExitCode);
        var exported = output.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 3 && parts[1] == "T" && parts[2].StartsWith("ps_", StringComparison.Ordinal))
            .Select(parts => parts[2]).Order();
        Assert.Equal(DeclaredFunctions().Order(), exported);
    }
}
