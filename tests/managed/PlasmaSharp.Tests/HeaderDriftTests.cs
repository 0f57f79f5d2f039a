using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using PlasmaSharp.Interop;

namespace PlasmaSharp.Tests;

/// <summary>The bindings are written by hand (ClangSharp is not available here); these tests fail as
/// soon as native/include/plasmasharp.h, the [LibraryImport] declarations, the struct mirrors or the
/// built library's exports disagree: a function or field added, removed, renamed or retyped on one side.</summary>
public partial class HeaderDriftTests
{
    private static readonly string Header = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "plasmasharp.h"));

    private static string WithoutComments(string text)
        => Regex.Replace(Regex.Replace(text, @"/\*.*?\*/", " ", RegexOptions.Singleline), @"//[^\n]*", " ");

    private sealed record CFunction(string Name, string ReturnType, IReadOnlyList<(string Type, string Name)> Parameters);

    private static IReadOnlyDictionary<string, CFunction> HeaderFunctions()
    {
        var result = new Dictionary<string, CFunction>();
        foreach (Match m in Regex.Matches(WithoutComments(Header), @"PS_API\s+([^;]*?)\b(ps_\w+)\s*\(([^)]*)\)\s*;", RegexOptions.Singleline))
        {
            var parameters = new List<(string, string)>();
            string list = m.Groups[3].Value.Trim();
            if (list != "void" && list.Length > 0)
            {
                foreach (string raw in list.Split(','))
                {
                    Match p = Regex.Match(raw.Trim(), @"^(.*?)(\w+)$", RegexOptions.Singleline);
                    parameters.Add((NormalizeC(p.Groups[1].Value), p.Groups[2].Value));
                }
            }
            result.Add(m.Groups[2].Value, new CFunction(m.Groups[2].Value, NormalizeC(m.Groups[1].Value), parameters));
        }
        return result;
    }

    /// <summary>"const uint8_t* const*" -> "uint8**"; ps_code -> int32; char -> uint8 (bound as byte).</summary>
    private static string NormalizeC(string type)
    {
        string t = Regex.Replace(type, @"\bconst\b", " ");
        int stars = t.Count(c => c == '*');
        string baseName = t.Replace("*", " ").Trim();
        baseName = baseName switch
        {
            "ps_code" or "int32_t" => "int32",
            "int64_t" => "int64",
            "uint8_t" or "char" => "uint8",
            _ => baseName,
        };
        return baseName + new string('*', stars);
    }

    private static string NormalizeManaged(Type type)
    {
        int stars = 0;
        while (type.IsPointer)
        {
            stars++;
            type = type.GetElementType()!;
        }
        string baseName = type == typeof(int) ? "int32"
            : type == typeof(long) ? "int64"
            : type == typeof(byte) ? "uint8"
            : type == typeof(void) ? "void"
            : type.Name;
        return baseName + new string('*', stars);
    }

    private static IReadOnlyDictionary<string, MethodInfo> BoundFunctions()
        => typeof(NativeMethods).GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
            .Where(m => m.GetCustomAttribute<LibraryImportAttribute>() is not null)
            .ToDictionary(m => m.Name);

    [Fact]
    public void The_parser_sees_the_whole_header()
    {
        var functions = HeaderFunctions();
        Assert.True(functions.Count >= 30, $"only {functions.Count} functions parsed");
        Assert.Equal(["int32*", "ps_error**"], functions["ps_client_delete"].Parameters.Skip(3).Select(p => p.Type));
        Assert.Equal("uint8**", functions["ps_client_create_and_seal_batch"].Parameters[3].Type);
    }

    [Fact]
    public void Every_header_function_is_bound_with_the_same_signature_and_nothing_else_is()
    {
        var header = HeaderFunctions();
        var bound = BoundFunctions();
        Assert.Equal(header.Keys.Order(), bound.Keys.Order());
        foreach (CFunction c in header.Values)
        {
            MethodInfo m = bound[c.Name];
            Assert.True(m.GetCustomAttribute<LibraryImportAttribute>()!.LibraryName == NativeMethods.LibraryName, c.Name);
            Assert.True(c.ReturnType == NormalizeManaged(m.ReturnType), $"{c.Name} returns {c.ReturnType} in C, {NormalizeManaged(m.ReturnType)} in C#");
            ParameterInfo[] ps = m.GetParameters();
            Assert.True(c.Parameters.Count == ps.Length, $"{c.Name}: {c.Parameters.Count} parameters in C, {ps.Length} in C#");
            for (int i = 0; i < ps.Length; i++)
            {
                Assert.True(c.Parameters[i].Name == ps[i].Name, $"{c.Name} parameter {i}: {c.Parameters[i].Name} vs {ps[i].Name}");
                Assert.True(c.Parameters[i].Type == NormalizeManaged(ps[i].ParameterType),
                    $"{c.Name}({c.Parameters[i].Name}): {c.Parameters[i].Type} in C, {NormalizeManaged(ps[i].ParameterType)} in C#");
            }
        }
    }

    private static readonly Dictionary<string, int> CSizes = new()
    {
        ["uint8_t"] = 1, ["int32_t"] = 4, ["int64_t"] = 8,
    };

    /// <summary>Field name -> (offset, size) with C's natural alignment (x86-64 / arm64 LP64).</summary>
    private static (Dictionary<string, (int Offset, int Size)> Fields, int Size) HeaderStruct(string name)
    {
        Match m = Regex.Match(WithoutComments(Header), @"typedef\s+struct\s+" + name + @"\s*\{(.*?)\}\s*" + name + @"\s*;", RegexOptions.Singleline);
        Assert.True(m.Success, $"struct {name} not found in the header");
        var fields = new Dictionary<string, (int, int)>();
        int offset = 0, maxAlign = 1;
        foreach (Match f in Regex.Matches(m.Groups[1].Value, @"(\w+)\s*(\*?)\s*(\w+)\s*(?:\[(\w+)\])?\s*;"))
        {
            int elementSize = f.Groups[2].Value == "*" ? 8 : CSizes[f.Groups[1].Value];
            int count = f.Groups[4].Success ? Constant(f.Groups[4].Value) : 1;
            offset = (offset + elementSize - 1) / elementSize * elementSize;
            fields.Add(f.Groups[3].Value, (offset, elementSize * count));
            offset += elementSize * count;
            maxAlign = Math.Max(maxAlign, elementSize);
        }
        return (fields, (offset + maxAlign - 1) / maxAlign * maxAlign);
    }

    private static int Constant(string token)
        => int.TryParse(token, out int n) ? n : HeaderConstants()[token];

    private static Dictionary<string, int> HeaderConstants()
        => Regex.Matches(WithoutComments(Header), @"#define\s+(PS_\w+)\s+(\d+)")
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));

    private static Dictionary<string, (int Offset, int Size)> ManagedStruct(Type type)
    {
        var result = new Dictionary<string, (int, int)>();
        foreach (FieldInfo f in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            int size = f.GetCustomAttribute<FixedBufferAttribute>() is { } fixedBuffer
                ? fixedBuffer.Length * Marshal.SizeOf(fixedBuffer.ElementType)
                : f.FieldType.IsPointer ? IntPtr.Size : Marshal.SizeOf(f.FieldType);
            result.Add(f.Name, ((int)Marshal.OffsetOf(type, f.Name), size));
        }
        return result;
    }

    [Theory]
    [InlineData("ps_object_view", typeof(ps_object_view))]
    [InlineData("ps_object_info", typeof(ps_object_info))]
    [InlineData("ps_store_stats", typeof(ps_store_stats))]
    public void Struct_mirrors_match_the_header_layout(string name, Type managed)
    {
        var (cFields, cSize) = HeaderStruct(name);
        var mFields = ManagedStruct(managed);
        Assert.Equal(cFields.OrderBy(kv => kv.Value.Offset).Select(kv => $"{kv.Key}@{kv.Value.Offset}+{kv.Value.Size}"),
                     mFields.OrderBy(kv => kv.Value.Offset).Select(kv => $"{kv.Key}@{kv.Value.Offset}+{kv.Value.Size}"));
        Assert.Equal(cSize, Marshal.SizeOf(managed));
        Assert.Equal(cSize, (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(managed).Invoke(null, null)!);
    }

    [Fact]
    public void Opaque_handle_types_and_constants_match()
    {
        var opaque = Regex.Matches(WithoutComments(Header), @"typedef\s+struct\s+(ps_\w+)\s+\1\s*;").Select(m => m.Groups[1].Value).Order();
        var managedOpaque = typeof(NativeMethods).Assembly.GetTypes()
            .Where(t => t.Namespace == "PlasmaSharp.Interop" && t.IsValueType && t.Name.StartsWith("ps_", StringComparison.Ordinal)
                        && t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Length == 0)
            .Select(t => t.Name).Order();
        Assert.Equal(opaque, managedOpaque);

        var managedConstants = typeof(NativeConstants).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(HeaderConstants().OrderBy(kv => kv.Key), managedConstants.OrderBy(kv => kv.Key));

        // The public error codes are the header's ps_code values.
        foreach (var (name, value) in HeaderConstants().Where(kv => kv.Key is not ("PS_OBJECT_ID_SIZE" or "PS_DIGEST_SIZE")))
        {
            string pascal = string.Concat(name["PS_".Length..].Split('_').Select(w => w[0] + w[1..].ToLowerInvariant()));
            pascal = pascal == "OutOfMemory" ? "OutOfMemory" : pascal;
            Assert.True(Enum.TryParse(pascal, out PlasmaErrorCode code) && (int)code == value, $"{name}={value} has no PlasmaErrorCode.{pascal}");
        }
        Assert.Equal(ObjectId.Size, HeaderConstants()["PS_OBJECT_ID_SIZE"]);
    }

    [Fact]
    public void The_built_library_exports_exactly_the_header_functions()
    {
        string library = Path.Combine(AppContext.BaseDirectory, "runtimes", NativeLibraryResolver.RuntimeId, "native", NativeLibraryResolver.NativeFileName);
        Assert.True(File.Exists(library), $"{library} is missing: build the native library and pass -p:PlasmaSharpNativeDir");
        var start = new ProcessStartInfo("nm") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-D", "--defined-only", library }) start.ArgumentList.Add(a);
        Process nm;
        try
        {
            nm = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return; // no binutils on this machine: the reflection checks above still ran
        }
        string output = nm.StandardOutput.ReadToEnd();
        nm.WaitForExit();
        Assert.Equal(0, nm.ExitCode);
        var exported = output.Split('\n')
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(parts => parts.Length == 3 && parts[1] == "T" && parts[2].StartsWith("ps_", StringComparison.Ordinal))
            .Select(parts => parts[2]).Order();
        Assert.Equal(HeaderFunctions().Keys.Order(), exported);
    }
}
