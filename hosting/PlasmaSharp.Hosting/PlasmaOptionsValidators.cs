using System.Text;
using Microsoft.Extensions.Options;

namespace PlasmaSharp.Hosting;

/// <summary>Checks shared by the validators: each failure names the configuration key, what it
/// holds and what would be right, because it is read in a log at start, not in a debugger.</summary>
internal static class OptionChecks
{
    /// <summary>sun_path holds 108 bytes with the terminating NUL.</summary>
    public const int MaxSocketPathBytes = 107;

    public static void SocketPath(List<string> failures, string key, string? path)
    {
        if (path is null) return;
        if (path.Length == 0) { failures.Add($"{key} is empty: set it to a Unix socket path, or remove it."); return; }
        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxSocketPathBytes)
            failures.Add($"{key} '{path}' is {bytes} bytes long; Unix socket paths are limited to {MaxSocketPathBytes} bytes.");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
            failures.Add($"{key} '{path}': the folder '{folder}' does not exist.");
    }

    public static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) failures.Add($"{key} must be a positive time span (e.g. 00:00:05); it is {value}.");
    }

    public static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}

internal sealed class PlasmaStoreHostOptionsValidator : IValidateOptions<PlasmaStoreHostOptions>
{
    public ValidateOptionsResult Validate(string? name, PlasmaStoreHostOptions options)
    {
        const string s = PlasmaStoreHostOptions.SectionName;
        var failures = new List<string>();
        if (options.Capacity <= 0)
            failures.Add($"{s}:Capacity must be the store's size in bytes, greater than 0 (e.g. 1073741824 for 1 GiB); it is {options.Capacity}.");
        OptionChecks.SocketPath(failures, $"{s}:SocketPath", options.SocketPath);
        if (options.Directory is not null && !Directory.Exists(options.Directory))
            failures.Add($"{s}:Directory '{options.Directory}' does not exist (it is where the shared-memory file is created; default /dev/shm).");
        if (options.ExecutablePath is not null && !File.Exists(options.ExecutablePath))
            failures.Add($"{s}:ExecutablePath '{options.ExecutablePath}' does not exist (remove it to use the bundled plasma-store).");
        OptionChecks.Positive(failures, $"{s}:StartTimeout", options.StartTimeout);
        OptionChecks.Positive(failures, $"{s}:StopTimeout", options.StopTimeout);
        return OptionChecks.Result(failures);
    }
}

internal sealed class PlasmaClientPoolOptionsValidator(IServiceProvider services) : IValidateOptions<PlasmaClientPoolOptions>
{
    public ValidateOptionsResult Validate(string? name, PlasmaClientPoolOptions options)
    {
        const string s = PlasmaClientPoolOptions.SectionName;
        var failures = new List<string>();
        if (options.SocketPath is null && services.GetService(typeof(PlasmaStoreService)) is null)
            failures.Add($"{s}:SocketPath is not set and no store is hosted: set it to the store's Unix socket, or call AddPlasmaStore() so that the clients use the hosted store.");
        OptionChecks.SocketPath(failures, $"{s}:SocketPath", options.SocketPath);
        if (options.PoolSize is < 1 or > 1024)
            failures.Add($"{s}:PoolSize must be between 1 and 1024; it is {options.PoolSize}.");
        if (options.ConnectAttempts < 1)
            failures.Add($"{s}:ConnectAttempts must be at least 1; it is {options.ConnectAttempts}.");
        OptionChecks.Positive(failures, $"{s}:RentTimeout", options.RentTimeout);
        return OptionChecks.Result(failures);
    }
}

internal sealed class PlasmaHealthCheckOptionsValidator : IValidateOptions<PlasmaHealthCheckOptions>
{
    public ValidateOptionsResult Validate(string? name, PlasmaHealthCheckOptions options)
    {
        const string s = PlasmaHealthCheckOptions.SectionName;
        var failures = new List<string>();
        OptionChecks.SocketPath(failures, $"{s}:SocketPath", options.SocketPath);
        OptionChecks.Positive(failures, $"{s}:Timeout", options.Timeout);
        if (!(options.DegradedFillRatio > 0 && options.DegradedFillRatio <= 1))
            failures.Add($"{s}:DegradedFillRatio must be a fraction of the capacity, greater than 0 and at most 1 (e.g. 0.9); it is {options.DegradedFillRatio}.");
        return OptionChecks.Result(failures);
    }
}
