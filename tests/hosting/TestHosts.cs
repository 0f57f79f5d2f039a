using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PlasmaSharp.Hosting.Tests;

/// <summary>Builds hosts the way an application does: configuration keys under <c>Plasma</c>, then
/// the PlasmaSharp registrations.</summary>
internal static class TestHosts
{
    public const long Capacity = 64L << 20;

    public static HostApplicationBuilder Builder(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        return builder;
    }

    /// <summary>A host with a store of <see cref="Capacity"/> bytes and a client pool, from configuration.</summary>
    public static HostApplicationBuilder StoreAndClient(params (string Key, string? Value)[] more)
    {
        HostApplicationBuilder builder = Builder([("Plasma:Store:Capacity", Capacity.ToString()), .. more]);
        builder.Services.AddPlasmaStore();
        builder.Services.AddPlasmaClient();
        return builder;
    }

    /// <summary>A fresh temporary folder for sockets that must not exist (removed by the caller or the OS).</summary>
    public static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "plasmasharp-hosting-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
