using System.Reflection;

namespace PlasmaSharp.Tests;

/// <summary>Keeps the layering honest: the interop layer stays internal, public exceptions form one hierarchy.</summary>
public class ConventionTests
{
    private static readonly Assembly Library = typeof(PlasmaClient).Assembly;

    [Fact]
    public void Nothing_in_the_interop_namespace_is_public()
    {
        Assert.Empty(Library.GetExportedTypes().Where(t => t.Namespace == "PlasmaSharp.Interop").Select(t => t.FullName));
        Assert.Contains(Library.GetTypes(), t => t.Namespace == "PlasmaSharp.Interop");
    }

    /// <summary>The raw layer (bindings/: generated declarations, handles, library resolution) sits
    /// below everything: its signatures name only its own types and the runtime's. The proxy and the
    /// exceptions it throws live above it (managed/Proxy/).</summary>
    [Fact]
    public void The_interop_layer_refers_to_nothing_above_it()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        static Type Element(Type t)
        {
            while (t.HasElementType) t = t.GetElementType()!;
            return t;
        }
        var upward = new List<string>();
        foreach (Type type in Library.GetTypes().Where(t => t.Namespace == "PlasmaSharp.Interop"))
        {
            var referenced = new List<Type>(type.GetInterfaces());
            if (type.BaseType is { } baseType) referenced.Add(baseType);
            referenced.AddRange(type.GetFields(all).Select(f => f.FieldType));
            referenced.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
            foreach (MethodBase m in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
            {
                if (m is MethodInfo mi) referenced.Add(mi.ReturnType);
                referenced.AddRange(m.GetParameters().Select(p => p.ParameterType));
            }
            upward.AddRange(referenced.Select(Element)
                .Where(r => r.Assembly == Library && r.Namespace != "PlasmaSharp.Interop")
                .Select(r => $"{type.Name} -> {r.FullName}"));
        }
        Assert.Empty(upward.Distinct());
    }

    [Fact]
    public void Every_public_exception_derives_from_PlasmaException()
    {
        var exceptions = Library.GetExportedTypes().Where(t => typeof(Exception).IsAssignableFrom(t)).ToList();
        Assert.True(exceptions.Count >= 8);
        Assert.All(exceptions, t => Assert.True(typeof(PlasmaException).IsAssignableFrom(t), t.Name));
        Assert.False(typeof(OutOfMemoryException).IsAssignableFrom(typeof(StoreFullException)));
    }

    [Fact]
    public void The_assembly_disables_runtime_marshalling()
    {
        Assert.NotNull(Library.GetCustomAttribute<System.Runtime.CompilerServices.DisableRuntimeMarshallingAttribute>());
    }
}
