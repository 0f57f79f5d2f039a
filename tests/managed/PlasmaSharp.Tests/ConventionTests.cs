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
