using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace PlasmaSharp.Tests;

/// <summary>PlasmaDiagnostics.LeakDetected: forgotten (finalized, never disposed) instances are reported
/// with the stack that created them, and still released. One class, so its tests never run in parallel
/// with each other (the event and the process-wide switch are static).</summary>
public class LeakDiagnosticsTests : IClassFixture<StoreFixture>
{
    private static readonly PlasmaClientOptions Tracking = new() { TrackLeaks = true };
    private readonly StoreFixture _stores;

    public LeakDiagnosticsTests(StoreFixture stores) => _stores = stores;

    /// <summary>Collects the leak reports matching <paramref name="filter"/> while in scope.</summary>
    private sealed class LeakRecorder : IDisposable
    {
        private readonly Func<PlasmaLeakEventArgs, bool> _filter;
        public ConcurrentQueue<PlasmaLeakEventArgs> Reports { get; } = new();

        public LeakRecorder(Func<PlasmaLeakEventArgs, bool> filter)
        {
            _filter = filter;
            PlasmaDiagnostics.LeakDetected += OnLeak;
        }

        private void OnLeak(object? sender, PlasmaLeakEventArgs e)
        {
            if (_filter(e)) Reports.Enqueue(e);
        }

        /// <summary>Collects garbage until a report arrived (bounded by TestData.Eventually's deadline).</summary>
        public PlasmaLeakEventArgs WaitForOne()
        {
            Assert.True(TestData.Eventually(() =>
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                return !Reports.IsEmpty;
            }), "no leak was reported");
            return Assert.Single(Reports);
        }

        public void Dispose() => PlasmaDiagnostics.LeakDetected -= OnLeak;
    }

    [Theory, OurStore, RealStore]
    public void A_leaked_PlasmaObject_is_reported_with_the_stack_that_created_it_and_released(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store, Tracking);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "leaky"u8);
        using var recorder = new LeakRecorder(e => e.ObjectId == id);

        GetAndForget(client, id);
        PlasmaLeakEventArgs leak = recorder.WaitForOne();

        Assert.Equal(typeof(PlasmaObject), leak.ResourceType);
        Assert.Contains(nameof(GetAndForget), leak.CreationStackTrace);
        Assert.Contains(nameof(A_leaked_PlasmaObject_is_reported_with_the_stack_that_created_it_and_released), leak.CreationStackTrace);
        Assert.Contains(id.ToString(), leak.Description);
        Assert.Contains("Dispose", leak.Message);
        // ...and the finalizer still released it.
        Assert.True(TestData.Eventually(() => client.Info(id)!.RefCount == 0));
    }

    [Theory, OurStore, RealStore]
    public void A_leaked_WritablePlasmaObject_is_reported_and_aborted(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store, Tracking);
        ObjectId id = ObjectId.NewRandom();
        using var recorder = new LeakRecorder(e => e.ObjectId == id);

        CreateAndForget(client, id);
        PlasmaLeakEventArgs leak = recorder.WaitForOne();

        Assert.Equal(typeof(WritablePlasmaObject), leak.ResourceType);
        Assert.Contains(nameof(CreateAndForget), leak.CreationStackTrace);
        Assert.True(TestData.Eventually(() => client.Info(id) is null));
    }

    [Theory, OurStore, RealStore]
    public async Task An_object_leaked_from_GetAsync_names_the_awaiting_method(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store, Tracking);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "async"u8);
        using var recorder = new LeakRecorder(e => e.ObjectId == id);

        await GetAsyncAndForget(client, id);
        PlasmaLeakEventArgs leak = recorder.WaitForOne();

        // Captured on the caller's thread, not on the thread that did the waiting.
        Assert.Contains(nameof(GetAsyncAndForget), leak.CreationStackTrace);
        Assert.True(TestData.Eventually(() => client.Info(id)!.RefCount == 0));
    }

    [Theory, OurStore, RealStore]
    public void Leaked_clients_and_subscriptions_are_reported(StoreKind store)
    {
        using var recorder = new LeakRecorder(e => e.ResourceType != typeof(PlasmaObject) && e.ResourceType != typeof(WritablePlasmaObject)
                                                   && e.CreationStackTrace.Contains(nameof(ConnectSubscribeAndForget)));
        ConnectSubscribeAndForget(_stores.SocketPath(store));
        Assert.True(TestData.Eventually(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return recorder.Reports.Count >= 2;
        }));
        Assert.Equal(2, recorder.Reports.Count);
        PlasmaLeakEventArgs client = Assert.Single(recorder.Reports, e => e.ResourceType == typeof(PlasmaClient));
        Assert.Contains(_stores.SocketPath(store), client.Description);
        Assert.Null(client.ObjectId);
        Assert.Single(recorder.Reports, e => e.ResourceType == typeof(PlasmaSubscription));
    }

    [Theory, OurStore, RealStore]
    public void The_process_wide_switch_tracks_clients_without_the_option(StoreKind store)
    {
        bool before = PlasmaDiagnostics.TrackLeaks;
        PlasmaDiagnostics.TrackLeaks = true;
        try
        {
            using PlasmaClient client = _stores.Connect(store); // no TrackLeaks option
            ObjectId id = ObjectId.NewRandom();
            client.Put(id, "x"u8);
            using var recorder = new LeakRecorder(e => e.ObjectId == id);
            GetAndForget(client, id);
            Assert.Contains(nameof(GetAndForget), recorder.WaitForOne().CreationStackTrace);
        }
        finally
        {
            PlasmaDiagnostics.TrackLeaks = before;
        }
    }

    [Theory, OurStore, RealStore]
    public void Nothing_is_reported_when_tracking_is_off_or_the_object_was_disposed(StoreKind store)
    {
        if (PlasmaDiagnostics.TrackLeaks) return; // PLASMASHARP_TRACK_LEAKS is set for this run: everything is tracked
        using PlasmaClient untracked = _stores.Connect(store);
        using PlasmaClient tracked = _stores.Connect(store, Tracking);
        ObjectId leaked = ObjectId.NewRandom(), disposed = ObjectId.NewRandom();
        untracked.Put(leaked, "x"u8);
        tracked.Put(disposed, "y"u8);
        using var recorder = new LeakRecorder(e => e.ObjectId == leaked || e.ObjectId == disposed);

        GetAndForget(untracked, leaked);
        tracked.Get(disposed, TimeSpan.Zero)!.Dispose();
        // A report is raised before the release is queued: once the store saw the release, any report came already.
        Assert.True(TestData.Eventually(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return untracked.Info(leaked)!.RefCount == 0;
        }));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Empty(recorder.Reports);
    }

    [Theory, OurStore, RealStore]
    public void A_throwing_handler_neither_stops_other_handlers_nor_the_release(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store, Tracking);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);
        EventHandler<PlasmaLeakEventArgs> throwing = (_, e) =>
        {
            if (e.ObjectId == id) throw new InvalidOperationException("handler bug");
        };
        PlasmaDiagnostics.LeakDetected += throwing;
        try
        {
            using var recorder = new LeakRecorder(e => e.ObjectId == id);
            GetAndForget(client, id);
            recorder.WaitForOne();
            Assert.True(TestData.Eventually(() => client.Info(id)!.RefCount == 0));
        }
        finally
        {
            PlasmaDiagnostics.LeakDetected -= throwing;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GetAndForget(PlasmaClient client, ObjectId id) => Assert.NotNull(client.Get(id, TimeSpan.Zero));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CreateAndForget(PlasmaClient client, ObjectId id) => Assert.NotNull(client.Create(id, 16));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task GetAsyncAndForget(PlasmaClient client, ObjectId id)
        => Assert.NotNull(await client.GetAsync(id, TimeSpan.FromSeconds(10)));

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ConnectSubscribeAndForget(string socketPath)
    {
        PlasmaClient client = PlasmaClient.Connect(socketPath, Tracking);
        Assert.NotNull(client.Subscribe());
    }
}

/// <summary>PLASMASHARP_TRACK_LEAKS in a fresh process (the switch is read once, at startup).</summary>
public class LeakEnvironmentVariableTests : IClassFixture<StoreFixture>
{
    private readonly StoreFixture _stores;

    public LeakEnvironmentVariableTests(StoreFixture stores) => _stores = stores;

    private async Task<string> RunLeakPeer(StoreKind store, ObjectId id, string? trackLeaks)
    {
        string peerDll = Path.Combine(AppContext.BaseDirectory, "PlasmaSharp.TestPeer.dll");
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { peerDll, "leak", _stores.SocketPath(store), id.ToString() }) start.ArgumentList.Add(arg);
        if (trackLeaks is null) start.Environment.Remove(PlasmaDiagnostics.TrackLeaksEnvironmentVariable); // even when this run sets it
        else start.Environment[PlasmaDiagnostics.TrackLeaksEnvironmentVariable] = trackLeaks;
        using System.Diagnostics.Process peer = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = peer.StandardOutput.ReadToEndAsync(), stderr = peer.StandardError.ReadToEndAsync();
        await peer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(peer.ExitCode == 0, $"peer failed ({peer.ExitCode}): {await stdout} / {await stderr}");
        return await stdout;
    }

    [Theory, OurStore, RealStore]
    public async Task The_environment_variable_turns_tracking_on_for_the_whole_process(StoreKind store)
    {
        using PlasmaClient client = _stores.Connect(store);
        ObjectId id = ObjectId.NewRandom();
        client.Put(id, "x"u8);

        string tracked = await RunLeakPeer(store, id, "1");
        Assert.StartsWith("LEAK PlasmaObject", tracked);
        Assert.Contains("LeakOneObject", tracked);

        string untracked = await RunLeakPeer(store, id, null);
        Assert.Equal("NO LEAK REPORTED", untracked.Trim());
    }
}
