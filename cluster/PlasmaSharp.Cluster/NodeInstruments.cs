using System.Diagnostics.Metrics;

namespace PlasmaSharp.Cluster;

/// <summary>The node agent's instruments (all tagged with <c>node</c>), on PlasmaSharp's one meter
/// (<see cref="PlasmaTelemetry.Meter"/>, in the PlasmaSharp assembly).</summary>
internal static class NodeInstruments
{
    private static readonly List<PlasmaNodeAgent> s_agents = [];

    public static readonly Counter<long> TableUpdates = PlasmaTelemetry.Meter.CreateCounter<long>(
        "plasmasharp.cluster.table.updates", "{update}", "Object table updates (seal or delete of one object on one node) written to Redis.");

    public static readonly Histogram<double> PublishDuration = PlasmaTelemetry.Meter.CreateHistogram<double>(
        "plasmasharp.cluster.table.publish.duration", "s", "Per batch: from the store's notification of its oldest update to Redis's acknowledgement.");

    public static readonly Counter<long> RedisErrors = PlasmaTelemetry.Meter.CreateCounter<long>(
        "plasmasharp.cluster.redis.errors", "{error}", "Redis calls of the node agent that failed (unreachable, timeout, error reply).");

    public static readonly Counter<long> Republishes = PlasmaTelemetry.Meter.CreateCounter<long>(
        "plasmasharp.cluster.republishes", "{republish}", "Full republishes of the store's object list (start, Redis restart, network blip).");

    static NodeInstruments()
    {
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.objects",
            () => Observe(a => a.ObjectCount), "{object}", "Sealed objects in the node's store.");
        // The store's own figures, from its stats (one place computes them for every reader).
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.store.used",
            () => ObserveStore(s => s.BytesUsed), "By", "Bytes the node's store has allocated to objects (its stats).");
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.store.capacity",
            () => ObserveStore(s => s.Capacity), "By", "The node's store capacity (its stats).");
        // Spilling (a store with -e): left out for stores that do not report it.
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.store.spilled",
            () => ObserveStore(s => s.SpilledBytes), "By", "Bytes the node's store has spilled to its external store (its stats).");
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.store.spilled_objects",
            () => ObserveStore(s => s.SpilledObjects), "{object}", "Objects the node's store has spilled and not restored (its stats).");
        PlasmaTelemetry.Meter.CreateObservableCounter("plasmasharp.node.store.restores",
            () => ObserveStore(s => s.Restores), "{object}", "Spilled objects the node's store read back since it started (its stats).");
    }

    public static void Track(PlasmaNodeAgent agent)
    {
        lock (s_agents) s_agents.Add(agent);
    }

    public static void Untrack(PlasmaNodeAgent agent)
    {
        lock (s_agents) s_agents.Remove(agent);
    }

    private static List<Measurement<long>> Observe(Func<PlasmaNodeAgent, long> value)
    {
        lock (s_agents)
            return s_agents.Select(a => new Measurement<long>(value(a), NodeTag(a))).ToList();
    }

    /// <summary>One measurement per agent whose store answers and reports the figure (an unreachable
    /// store, or a null figure, is left out).</summary>
    private static List<Measurement<long>> ObserveStore(Func<PlasmaStoreStats, long?> value)
    {
        PlasmaNodeAgent[] agents;
        lock (s_agents) agents = [.. s_agents];
        var measurements = new List<Measurement<long>>(agents.Length);
        foreach (PlasmaNodeAgent a in agents)
            if (a.ReadStoreStats() is { } stats && value(stats) is { } figure)
                measurements.Add(new Measurement<long>(figure, NodeTag(a)));
        return measurements;
    }

    private static KeyValuePair<string, object?> NodeTag(PlasmaNodeAgent a) => new("node", a.NodeId);
}
