using System.Diagnostics;

namespace PlasmaSharp;

/// <summary>Debugging aids. Leak tracking: when enabled (<see cref="TrackLeaks"/>, the environment
/// variable <c>PLASMASHARP_TRACK_LEAKS=1</c>, or <see cref="PlasmaClientOptions.TrackLeaks"/> for one
/// client), every <see cref="PlasmaClient"/>, <see cref="PlasmaObject"/>, <see cref="WritablePlasmaObject"/>
/// and <see cref="PlasmaSubscription"/> remembers the stack that created it; when one is finalized
/// without having been disposed, <see cref="LeakDetected"/> is raised and a warning naming that stack is
/// written with <see cref="Trace.TraceWarning(string)"/>. The finalizer still releases the resource.
/// Disabled (the default), nothing is captured and nothing is reported.</summary>
public static class PlasmaDiagnostics
{
    /// <summary>The environment variable that turns <see cref="TrackLeaks"/> on at startup when set to <c>1</c> or <c>true</c>.</summary>
    public const string TrackLeaksEnvironmentVariable = "PLASMASHARP_TRACK_LEAKS";

    private static volatile bool s_trackLeaks = ReadEnvironment();

    /// <summary>Tracks leaks of everything created from now on, in every client (process-wide).
    /// Initially true when <see cref="TrackLeaksEnvironmentVariable"/> is <c>1</c> or <c>true</c>.
    /// Capturing a stack trace per object is slow: meant for debugging, not production.</summary>
    public static bool TrackLeaks
    {
        get => s_trackLeaks;
        set => s_trackLeaks = value;
    }

    /// <summary>Raised when a tracked client, object or subscription is finalized without having been
    /// disposed. Runs on the finalizer thread: keep handlers short and non-blocking; exceptions they
    /// throw are caught and traced (they never reach the finalizer thread).</summary>
    public static event EventHandler<PlasmaLeakEventArgs>? LeakDetected;

    private static bool ReadEnvironment()
    {
        string? value = Environment.GetEnvironmentVariable(TrackLeaksEnvironmentVariable);
        return value is not null && (value.Trim() == "1" || value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase));
    }

    internal static void Report(PlasmaLeakEventArgs leak)
    {
        Trace.TraceWarning("PlasmaSharp: {0}", leak.Message);
        EventHandler<PlasmaLeakEventArgs>? handlers = LeakDetected;
        if (handlers is null) return;
        foreach (EventHandler<PlasmaLeakEventArgs> handler in handlers.GetInvocationList().Cast<EventHandler<PlasmaLeakEventArgs>>())
        {
            try
            {
                handler(null, leak);
            }
            catch (Exception e)
            {
                // An exception escaping a finalizer would end the process.
                Trace.TraceError("PlasmaSharp: a LeakDetected handler threw: {0}", e);
            }
        }
    }
}

/// <summary>One leaked (finalized without Dispose) client, object or subscription; see <see cref="PlasmaDiagnostics.LeakDetected"/>.</summary>
public sealed class PlasmaLeakEventArgs : EventArgs
{
    internal PlasmaLeakEventArgs(Type resourceType, ObjectId? objectId, string description, string creationStackTrace)
    {
        ResourceType = resourceType;
        ObjectId = objectId;
        Description = description;
        CreationStackTrace = creationStackTrace;
    }

    /// <summary>The leaked type: <see cref="PlasmaClient"/>, <see cref="PlasmaObject"/>,
    /// <see cref="WritablePlasmaObject"/> or <see cref="PlasmaSubscription"/>.</summary>
    public Type ResourceType { get; }

    /// <summary>The leaked object's id (null for clients and subscriptions).</summary>
    public ObjectId? ObjectId { get; }

    /// <summary>What leaked, e.g. "PlasmaObject 0a1b... (16 data bytes)" or "PlasmaClient on /tmp/plasma.sock".</summary>
    public string Description { get; }

    /// <summary>The stack trace of the call that created the leaked instance (with file and line when symbols are available).</summary>
    public string CreationStackTrace { get; }

    /// <summary>A one-paragraph report: what leaked, what to do, and where it was created.</summary>
    public string Message =>
        $"{Description} was finalized without Dispose (released by the finalizer now). Dispose it (a using statement) when done; it was created at:{Environment.NewLine}{CreationStackTrace}";

    /// <inheritdoc />
    public override string ToString() => Message;
}

/// <summary>Where a tracked instance was created; attached to its SafeHandle, reported if that
/// handle is finalized rather than disposed.</summary>
internal sealed class LeakRecord : Interop.ILeakReporter
{
    private readonly StackTrace _creation;
    private Type _resourceType = typeof(object);
    private ObjectId? _objectId;
    private string _description = "";

    private LeakRecord(StackTrace creation) => _creation = creation;

    /// <summary>Captures the caller's stack (skipping this frame) when <paramref name="enabled"/>;
    /// otherwise null, at no cost beyond the check.</summary>
    public static LeakRecord? CaptureIf(bool enabled) => enabled ? new LeakRecord(new StackTrace(1, fNeedFileInfo: true)) : null;

    /// <summary>Names what this record tracks; returns a fresh record per instance (a batch Get shares one stack).</summary>
    public LeakRecord For(Type resourceType, ObjectId? objectId, string description)
        => new(_creation) { _resourceType = resourceType, _objectId = objectId, _description = description };

    public void ReportLeak()
        => PlasmaDiagnostics.Report(new PlasmaLeakEventArgs(_resourceType, _objectId, _description, _creation.ToString()));
}
