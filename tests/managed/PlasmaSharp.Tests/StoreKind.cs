using System.Reflection;
using PlasmaSharp.TestSupport;
using Xunit.Sdk;

namespace PlasmaSharp.Tests;

/// <summary>Which Plasma store a store-agnostic test runs against. The value is the theory's first
/// parameter, so every test name says which store: <c>...(store: Ours)</c> or <c>...(store: Real)</c>.</summary>
public enum StoreKind
{
    /// <summary>Our <c>plasma-store</c> (build/bin, found by <see cref="PlasmaStore.FindExecutable"/>).</summary>
    Ours,

    /// <summary>The real Apache Arrow 11 <c>plasma-store-server</c>: $ARROW11_BIN/plasma-store-server,
    /// which the test command (or <c>source tests/arrow11/env.sh</c>) exports.</summary>
    Real,
}

/// <summary>Starting either store with the same command line (<c>-m BYTES -s SOCKET</c>).</summary>
internal static class TestStores
{
    /// <summary>Why the real store cannot run here, or null when it can. ARROW11_MISSING is the
    /// reason tests/arrow11/env.sh gives; without either variable the suite was started outside the
    /// test command, so the reason says how to get it.</summary>
    public static string? RealStoreSkipReason { get; } =
        Arrow11Environment.SkipReason("real Arrow 11 store", "plasma-store-server");

    /// <summary>Starts a store of <paramref name="kind"/> on a fresh temporary socket.</summary>
    public static Task<PlasmaStore> StartAsync(StoreKind kind, long capacity)
    {
        if (kind == StoreKind.Ours) return PlasmaStore.StartAsync(capacity);
        if (RealStoreSkipReason is not null) throw new InvalidOperationException(RealStoreSkipReason); // the attribute skips these
        return PlasmaStore.StartAsync(capacity, new PlasmaStoreOptions { ExecutablePath = Arrow11Environment.PathOf("plasma-store-server"), StopWithThisProcess = false });
    }
}

/// <summary>One data row of a store-agnostic theory, run on our store: <c>[OurStore]</c> or
/// <c>[OurStore(42)]</c> for a row (StoreKind.Ours, 42). Pair it with <see cref="RealStoreAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class OurStoreAttribute(params object[] arguments) : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreKind.Ours, .. arguments]];
}

/// <summary>The same row run on the real Arrow 11 store; skipped, with the reason, where that store
/// is absent (xunit 2 skips per data attribute, hence one attribute per store).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class RealStoreAttribute : DataAttribute
{
    private readonly object[] _arguments;

    public RealStoreAttribute(params object[] arguments)
    {
        _arguments = arguments;
        Skip = TestStores.RealStoreSkipReason;
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[StoreKind.Real, .. _arguments]];
}
