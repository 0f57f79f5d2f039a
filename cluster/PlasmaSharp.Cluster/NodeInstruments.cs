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
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.store.used",
            () => Observe(a => a.UsedBytes), "By", "Data + metadata bytes of the sealed objects in the node's store.");
        PlasmaTelemetry.Meter.CreateObservableGauge("plasmasharp.node.store.capacity",
            () => Observe(a => a.Capacity), "By", "The node's store capacity.");
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
            return s_agents.Select(a => new Measurement<long>(value(a), new KeyValuePair<string, object?>("node", a.NodeId))).ToList();
    }
}
