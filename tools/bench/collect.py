#!/usr/bin/env python3
"""Turns the raw outputs of plasma_bench (Google Benchmark JSON) and the BenchmarkDotNet JSON
into artifacts/bench/results.json and results.md. Keys are stable: see tools/bench/README.md.

Every figure: value (the median over repetitions/iterations, in `unit`), unit, median (same
number, named explicitly), min, max, n, time_per_op_us, ratio_to_floor (see README), floor.
Standard library only."""
import argparse
import datetime
import glob
import json
import os
import platform
import statistics

KIB, MIB, GIB = 1024, 1024 ** 2, 1024 ** 3
SIZE_KEYS = {KIB: "1kib", MIB: "1mib", 100 * MIB: "100mib", GIB: "1gib"}


# ---------------------------------------------------------------- native (Google Benchmark)

def load_native(path):
    """name -> list of per-repetition runs (dicts) of plasma_bench's JSON output."""
    with open(path) as f:
        data = json.load(f)
    runs = {}
    for b in data.get("benchmarks", []):
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        runs.setdefault(b["run_name"], []).append(b)
    return data.get("context", {}), runs


def seconds_per_iteration(run):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run.get("time_unit", "ns")]
    return run["real_time"] * scale


def native_find(runs, prefix):
    for name, rs in runs.items():
        if name.startswith(prefix):
            return rs
    return None


# ---------------------------------------------------------------- managed (BenchmarkDotNet)

def load_managed(folder):
    """(Type, Method, Size or None) -> BenchmarkDotNet benchmark entry."""
    result = {}
    if not folder:
        return result
    for path in glob.glob(os.path.join(folder, "results", "*-report-full.json")):
        with open(path) as f:
            data = json.load(f)
        for b in data.get("Benchmarks", []):
            size = None
            for part in (b.get("Parameters") or "").split("&"):
                if part.startswith("Size="):
                    size = int(part[len("Size="):])
            result[(b["Type"], b["Method"], size)] = b
    return result


def managed_seconds(entry):
    """Per-iteration seconds per operation (BenchmarkDotNet reports ns/op)."""
    return [v * 1e-9 for v in entry["Statistics"]["OriginalValues"]]


# ---------------------------------------------------------------- figures

class Figures:
    def __init__(self):
        self.items = {}

    def add(self, key, samples, unit, description, **extra):
        """samples: per-repetition values already in `unit`."""
        if not samples:
            return None
        fig = {
            "value": statistics.median(samples),
            "unit": unit,
            "median": statistics.median(samples),
            "min": min(samples),
            "max": max(samples),
            "n": len(samples),
            "description": description,
        }
        fig.update(extra)
        self.items[key] = fig
        return fig

    def value(self, key):
        fig = self.items.get(key)
        return None if fig is None else fig["value"]


def rate_samples(seconds_list):
    return [1.0 / s for s in seconds_list if s > 0]


def gbps_samples(seconds_list, size):
    return [size / s / 1e9 for s in seconds_list if s > 0]


def us_samples(seconds_list):
    return [s * 1e6 for s in seconds_list]


def add_small(figs, key, seconds, description, round_trips, rtt_us):
    fig = figs.add(key, rate_samples(seconds), "ops/s", description,
                   time_per_op_us=statistics.median(seconds) * 1e6 if seconds else None,
                   round_trips=round_trips)
    if fig and rtt_us:
        floor_ops = 1e6 / (rtt_us * round_trips)
        fig["floor"] = {"key": "floor.socket_rtt_us", "ops_per_s": floor_ops}
        fig["ratio_to_floor"] = fig["value"] / floor_ops
    return fig


def add_large(figs, key, seconds, size, description, memcpy_gbps):
    fig = figs.add(key, gbps_samples(seconds, size), "GB/s", description,
                   time_per_op_us=statistics.median(seconds) * 1e6 if seconds else None, bytes=size)
    if fig and memcpy_gbps:
        fig["floor"] = {"key": "floor.memcpy_gbps"}
        fig["ratio_to_floor"] = fig["value"] / memcpy_gbps
    return fig


def add_latency(figs, key, seconds, description, round_trips, rtt_us):
    fig = figs.add(key, us_samples(seconds), "us", description, time_per_op_us=None,
                   round_trips=round_trips)
    if fig:
        fig["time_per_op_us"] = fig["value"]
        if rtt_us:
            fig["floor"] = {"key": "floor.socket_rtt_us"}
            fig["ratio_to_floor"] = fig["value"] / (rtt_us * round_trips)
    return fig


def attach_cpu(fig, rs):
    """Adds the client's CPU per op (benchmark thread) and the store's CPU per op, medians."""
    if not fig or not rs:
        return
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    cpu = [r["cpu_time"] * scale[r.get("time_unit", "ns")] * 1e6 for r in rs if r.get("cpu_time")]
    if cpu:
        fig["client_cpu_us_per_op"] = statistics.median(cpu)
    store = [r["store_cpu_us_per_op"] for r in rs if "store_cpu_us_per_op" in r]
    if store:
        fig["store_cpu_us_per_op"] = statistics.median(store)


def collect_native(figs, runs):
    rtt = native_find(runs, "floor/socket_rtt_64B")
    if rtt:
        f = figs.add("floor.socket_rtt_us", us_samples([seconds_per_iteration(r) for r in rtt]), "us",
                     "64-byte round trip between two processes over a Unix socketpair (floor of one request/reply)")
        f["ratio_to_floor"] = 1.0
        attach_cpu(f, rtt)
    mc = native_find(runs, "floor/memcpy_100MiB")
    if mc:
        f = figs.add("floor.memcpy_gbps", gbps_samples([seconds_per_iteration(r) for r in mc], 100 * MIB), "GB/s",
                     "single-thread memcpy of 100 MiB between prefaulted buffers (floor of a large put)")
        f["ratio_to_floor"] = 1.0
    rtt_us = figs.value("floor.socket_rtt_us")
    memcpy = figs.value("floor.memcpy_gbps")

    for name, key, desc in (
            ("component/xxh64_1thread_100MiB", "component.xxh64_1thread_gbps", "XXH64 of 100 MiB on one thread (no store)"),
            ("component/client_digest_100MiB", "component.client_digest_gbps",
             "the client's Plasma digest of 100 MiB (8 chunks on several threads; no store)"),
            ("component/client_copy_and_digest_100MiB", "component.client_copy_and_digest_gbps",
             "the client's fused copy + digest of 100 MiB into a prefaulted buffer (WriteAndSeal's work; no store)")):
        rs = native_find(runs, name)
        if rs:
            fig = figs.add(key, gbps_samples([seconds_per_iteration(r) for r in rs], 100 * MIB), "GB/s", desc)
            if memcpy:
                fig["floor"] = {"key": "floor.memcpy_gbps"}
                fig["ratio_to_floor"] = fig["value"] / memcpy
            fig["cpu_gbps_main_thread"] = statistics.median(
                [100 * MIB / (r["cpu_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[r["time_unit"]]) / 1e9
                 for r in rs if r.get("cpu_time")]) if rs else None
    rs = native_find(runs, "component/thread_spawn_join")
    if rs:
        figs.add("component.thread_spawn_join_us", us_samples([seconds_per_iteration(r) for r in rs]), "us",
                 "start + join one std::thread (the digest starts threads for every object >= 1 MiB)")
    rs = native_find(runs, "floor/memcpy_100MiB")
    if rs and "floor.memcpy_gbps" in figs.items:
        figs.items["floor.memcpy_gbps"]["cpu_gbps_main_thread"] = statistics.median(
            [100 * MIB / (r["cpu_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[r["time_unit"]]) / 1e9
             for r in rs if r.get("cpu_time")])

    def secs(prefix):
        rs = native_find(runs, prefix)
        return [seconds_per_iteration(r) for r in rs] if rs else []

    add_small(figs, "cpp.small.create_seal_release.ops", secs("cpp/small/create_seal_release_1KiB"),
              "C++ client: Create(1 KiB) + write + Seal + Release", 2, rtt_us)
    add_small(figs, "cpp.small.create_and_seal.ops", secs("cpp/small/create_and_seal_1KiB"),
              "C++ client: CreateAndSeal(1 KiB), one round trip", 1, rtt_us)
    add_small(figs, "cpp.small.get_release.ops", secs("cpp/small/get_release_1KiB"),
              "C++ client: Get(timeout 0) + Release of a sealed 1 KiB object not held", 1, rtt_us)
    add_small(figs, "cpp.small.contains.ops", secs("cpp/small/contains"),
              "C++ client: Contains of an existing object", 1, rtt_us)

    for path, label in (("copy_then_seal", "Create + memcpy + Seal (digest) + Release + Delete"),
                        ("write_and_seal", "Create + fused copy/digest/Seal (WriteAndSeal) + Release + Delete")):
        for size, name in ((MIB, "1MiB"), (100 * MIB, "100MiB"), (GIB, "1GiB")):
            key = f"cpp.large.put_{path}.{SIZE_KEYS[size]}.gbps"
            rs = native_find(runs, f"cpp/large/put_{path}_{name}/")
            if not rs:
                continue
            fig = add_large(figs, key, [seconds_per_iteration(r) for r in rs], size,
                            f"C++ client, {name} object, warm pages: {label}", memcpy)
            shares = [r["seal_share"] for r in rs if "seal_share" in r]
            if fig and shares:
                fig["seal_share"] = statistics.median(shares)

    add_latency(figs, "cpp.get.get_release.1kib.us", secs("cpp/get/get_release_1KiB"),
                "C++ client: Get(timeout 0) + Release, 1 KiB object", 1, rtt_us)
    add_latency(figs, "cpp.get.get_release.1gib.us", secs("cpp/get/get_release_1GiB"),
                "C++ client: Get(timeout 0) + Release, 1 GiB object", 1, rtt_us)

    for key, prefix in (("cpp.small.create_seal_release.ops", "cpp/small/create_seal_release_1KiB"),
                        ("cpp.small.create_and_seal.ops", "cpp/small/create_and_seal_1KiB"),
                        ("cpp.small.get_release.ops", "cpp/small/get_release_1KiB"),
                        ("cpp.small.contains.ops", "cpp/small/contains"),
                        ("cpp.get.get_release.1kib.us", "cpp/get/get_release_1KiB"),
                        ("cpp.get.get_release.1gib.us", "cpp/get/get_release_1GiB")):
        attach_cpu(figs.items.get(key), native_find(runs, prefix))
    rs = native_find(runs, "cpp/scale/100k_objects/get_release_1KiB")
    add_small(figs, "cpp.scale.100k.get_release.ops", secs("cpp/scale/100k_objects/get_release_1KiB"),
              "C++ client: Get+Release of random objects among 100k in the store", 1, rtt_us)
    add_small(figs, "cpp.scale.100k.contains.ops", secs("cpp/scale/100k_objects/contains"),
              "C++ client: Contains of random objects among 100k in the store", 1, rtt_us)
    attach_cpu(figs.items.get("cpp.scale.100k.get_release.ops"), native_find(runs, "cpp/scale/100k_objects/get_release_1KiB"))
    attach_cpu(figs.items.get("cpp.scale.100k.contains.ops"), native_find(runs, "cpp/scale/100k_objects/contains"))
    if rs:
        last = rs[-1]
        cap = last.get("store_capacity_bytes")
        rss = last.get("store_peak_rss_bytes", -1)
        if cap:
            figs.items["cpp.scale.store_capacity_bytes"] = {
                "value": cap, "unit": "bytes", "median": cap, "n": 1,
                "description": "capacity the store reports"}
        if rss is not None and rss > 0:
            figs.items["cpp.scale.store_peak_rss_bytes"] = {
                "value": rss, "unit": "bytes", "median": rss, "n": 1,
                "description": "store process VmHWM with 100k 1 KiB objects stored (only when plasma_bench started the store)",
                "ratio_to_capacity": rss / cap if cap else None}

    for n in (1, 2, 4):
        rs = native_find(runs, f"cpp/scale/clients_{n}/")
        if rs:
            fig = figs.add(f"cpp.scale.clients_{n}.ops", [r["ops_per_s"] for r in rs], "ops/s",
                           f"{n} client process(es), each Create(1 KiB)+Seal+Release in a loop; total rate")
            for counter in ("store_cpu_us_per_op", "client_cpu_us_per_op"):
                values = [r[counter] for r in rs if counter in r]
                if fig and values:
                    fig[counter] = statistics.median(values)
            if fig and rtt_us:
                floor_ops = 1e6 / (rtt_us * 2)
                fig["floor"] = {"key": "floor.socket_rtt_us", "ops_per_s": floor_ops}
                fig["ratio_to_floor"] = fig["value"] / floor_ops


def collect_managed(figs, managed):
    rtt_us = figs.value("floor.socket_rtt_us")
    memcpy = figs.value("floor.memcpy_gbps")

    def entry(t, m, size=None):
        return managed.get((t, m, size))

    def alloc(e):
        mem = e.get("Memory") if e else None
        return mem.get("BytesAllocatedPerOperation") if mem else None

    def gen2_per_1000(e):
        mem = e.get("Memory") if e else None
        if not mem or not mem.get("TotalOperations"):
            return None
        return mem.get("Gen2Collections", 0) * 1000.0 / mem["TotalOperations"]

    for method, key, rts, desc in (
            ("Put", "cs.small.put.ops", 1, "C#: PlasmaClient.Put(1 KiB) (CreateAndSeal path)"),
            ("CreateSealRelease", "cs.small.create_seal_release.ops", 2, "C#: Create(1 KiB) + write + Seal + Dispose"),
            ("GetRelease", "cs.small.get_release.ops", 1, "C#: Get(TimeSpan.Zero) + Dispose of a sealed 1 KiB object"),
            ("Contains", "cs.small.contains.ops", 1, "C#: Contains")):
        e = entry("SmallObjectBenchmarks", method)
        if e:
            fig = add_small(figs, key, managed_seconds(e), desc, rts, rtt_us)
            fig["alloc_bytes_per_op"] = alloc(e)

    for method, name, desc in (("Put", "put", "C#: PlasmaClient.Put (Create + copy + Seal) + Delete, warm pages"),
                               ("PutRecordBatch", "put_record_batch",
                                "C#: PutRecordBatch (Arrow IPC written in place + Seal) + Delete; GB/s of the object size")):
        for size in (MIB, 100 * MIB, GIB):
            e = entry("LargeObjectBenchmarks", method, size)
            if e:
                add_large(figs, f"cs.large.{name}.{SIZE_KEYS[size]}.gbps", managed_seconds(e), size, desc, memcpy)

    for method, name, desc in (("GetRelease", "get_release", "C#: Get(TimeSpan.Zero) + Dispose"),
                               ("GetRecordBatch", "get_record_batch", "C#: GetRecordBatch (IPC decode onto shared memory) + Dispose")):
        for size in (KIB, GIB):
            e = entry("ZeroCopyGetBenchmarks", method, size)
            if e:
                fig = add_latency(figs, f"cs.get.{name}.{SIZE_KEYS[size]}.us", managed_seconds(e),
                                  f"{desc}, {SIZE_KEYS[size]} object", 1, rtt_us)
                fig["alloc_bytes_per_op"] = alloc(e)
                fig["gen2_gcs_per_1000_ops"] = gen2_per_1000(e)

    # C# overhead over C++ (time ratio; 1.0 = no overhead).
    for op in ("create_seal_release", "get_release", "contains"):
        cpp, cs = figs.value(f"cpp.small.{op}.ops"), figs.value(f"cs.small.{op}.ops")
        if cpp and cs:
            figs.items[f"cs.overhead.{op}"] = {
                "value": cpp / cs, "unit": "x", "median": cpp / cs, "n": 1,
                "description": f"C# time per {op} / C++ time per {op} (same store, same run)"}
    cpp, cs = figs.value("cpp.small.create_and_seal.ops"), figs.value("cs.small.put.ops")
    if cpp and cs:
        figs.items["cs.overhead.put"] = {
            "value": cpp / cs, "unit": "x", "median": cpp / cs, "n": 1,
            "description": "C# Put(1 KiB) time / C++ CreateAndSeal(1 KiB) time"}


# ---------------------------------------------------------------- targets

def target(targets, tid, description, ratio, op, threshold, limit_if_missed, inputs):
    if ratio is None:
        targets.append({"id": tid, "description": description, "ratio": None, "threshold": f"{op} {threshold}",
                        "met": None, "limit": "not measured in this run", "inputs": inputs})
        return
    met = ratio >= threshold if op == ">=" else ratio <= threshold
    t = {"id": tid, "description": description, "ratio": round(ratio, 3), "threshold": f"{op} {threshold}",
         "met": met, "inputs": inputs}
    if not met:
        t["limit"] = limit_if_missed
    targets.append(t)


def safe_div(a, b):
    return a / b if a is not None and b else None


def collect_targets(figs, limits, load):
    v = figs.value
    limits = dict(limits)
    limits.update(explain_limits(figs, load))
    targets = []
    target(targets, "cs_small_put_vs_cpp_create_seal_release",
           "C# small put >= 1.5x a Create+Seal+Release loop of a C++ client on the same store "
           "(our C++ client sends libplasma's exact message sequence for it)",
           safe_div(v("cs.small.put.ops"), v("cpp.small.create_seal_release.ops")), ">=", 1.5,
           limits.get("cs_small_put"), ["cs.small.put.ops", "cpp.small.create_seal_release.ops"])
    target(targets, "cs_get_release_vs_cpp",
           "C# Get+Release time within 1.2x of the C++ client's",
           safe_div(v("cpp.small.get_release.ops"), v("cs.small.get_release.ops")), "<=", 1.2,
           limits.get("cs_get_release"), ["cs.small.get_release.ops", "cpp.small.get_release.ops"])
    for size in ("1mib", "100mib", "1gib"):
        key = f"cpp.large.put_write_and_seal.{size}.gbps"
        target(targets, f"cpp_large_put_{size}_vs_memcpy",
               f"C++ large put {size} (warm pages, digest included, fused WriteAndSeal) >= 0.9x memcpy",
               safe_div(v(key), v("floor.memcpy_gbps")), ">=", 0.9, limits.get("large_put"),
               [key, "floor.memcpy_gbps"])
    for size in ("1mib", "100mib", "1gib"):
        key = f"cs.large.put.{size}.gbps"
        if key in figs.items:
            target(targets, f"cs_large_put_{size}_vs_memcpy",
                   f"C# large put {size} (PlasmaClient.Put, digest included) >= 0.9x memcpy",
                   safe_div(v(key), v("floor.memcpy_gbps")), ">=", 0.9, limits.get("cs_large_put"),
                   [key, "floor.memcpy_gbps"])
    target(targets, "cpp_get_1gib_vs_1kib", "C++ Get+Release of 1 GiB within 2x of 1 KiB",
           safe_div(v("cpp.get.get_release.1gib.us"), v("cpp.get.get_release.1kib.us")), "<=", 2.0,
           limits.get("get_o1"), ["cpp.get.get_release.1gib.us", "cpp.get.get_release.1kib.us"])
    target(targets, "cs_get_1gib_vs_1kib", "C# Get+Dispose of 1 GiB within 2x of 1 KiB",
           safe_div(v("cs.get.get_release.1gib.us"), v("cs.get.get_release.1kib.us")), "<=", 2.0,
           limits.get("get_o1"), ["cs.get.get_release.1gib.us", "cs.get.get_release.1kib.us"])
    target(targets, "cs_batch_decode_1gib_vs_1kib", "C# GetRecordBatch decode of a 1 GiB batch within 2x of a 1 KiB batch",
           safe_div(v("cs.get.get_record_batch.1gib.us"), v("cs.get.get_record_batch.1kib.us")), "<=", 2.0,
           limits.get("batch_o1"), ["cs.get.get_record_batch.1gib.us", "cs.get.get_record_batch.1kib.us"])
    target(targets, "clients_4_vs_1", "4 client processes doing small puts >= 1.8x one",
           safe_div(v("cpp.scale.clients_4.ops"), v("cpp.scale.clients_1.ops")), ">=", 1.8,
           limits.get("clients"), ["cpp.scale.clients_4.ops", "cpp.scale.clients_1.ops"])
    target(targets, "get_100k_vs_small", "Get+Release rate with 100k objects stored does not drop (>= 0.8x the near-empty rate; 0.8 allows this VM's run-to-run noise)",
           safe_div(v("cpp.scale.100k.get_release.ops"), v("cpp.small.get_release.ops")), ">=", 0.8,
           limits.get("scale_100k"), ["cpp.scale.100k.get_release.ops", "cpp.small.get_release.ops"])
    target(targets, "contains_100k_vs_small", "Contains rate with 100k objects stored does not drop (>= 0.8x the near-empty rate)",
           safe_div(v("cpp.scale.100k.contains.ops"), v("cpp.small.contains.ops")), ">=", 0.8,
           limits.get("scale_100k"), ["cpp.scale.100k.contains.ops", "cpp.small.contains.ops"])
    return targets


def explain_limits(figs, load):
    """What limits each target group when it is missed, with this run's numbers. The causes come
    from profiling this code (strace/perf, see tools/bench/README.md); numbers are recomputed."""
    v = figs.value
    out = {}
    load_text = f"load average at start {load[0]:.1f} on {os.cpu_count()} CPUs" if load else "machine load unknown"
    rtt = v("floor.socket_rtt_us")
    memcpy = v("floor.memcpy_gbps")
    cpu_memcpy = figs.items.get("floor.memcpy_gbps", {}).get("cpu_gbps_main_thread")
    cpu_xxh = figs.items.get("component.xxh64_1thread_gbps", {}).get("cpu_gbps_main_thread")
    fused = v("component.client_copy_and_digest_gbps")
    spawn = v("component.thread_spawn_join_us")
    parts = []
    if cpu_memcpy and cpu_xxh:
        per_core = 1.0 / (1.0 / cpu_memcpy + 1.0 / cpu_xxh)
        parts.append(f"CPU cost: memcpy {cpu_memcpy:.1f} GB/s and XXH64 {cpu_xxh:.1f} GB/s per core, so copy+digest "
                     f"runs at ~{per_core:.1f} GB/s per core: >= 0.9x memcpy needs ~{0.9 * cpu_memcpy / per_core:.1f} "
                     "cores fully free for the whole put (the digest splits the object in 8 chunks over "
                     "hardware_concurrency() threads)")
    if fused and memcpy:
        parts.append(f"without any store the client's fused copy+digest alone reaches {fused:.2f} GB/s "
                     f"= {fused / memcpy:.2f}x memcpy in this run ({load_text})")
    if spawn:
        parts.append(f"each put of >= 1 MiB starts (and joins) a new std::thread per extra digest worker ({spawn:.0f} us per start+join "
                     "here; native/client/digest.cc ChunkedDigest) - a persistent pool would remove it")
    if rtt:
        parts.append(f"each put also pays Create, Seal and Delete round trips (3 x {rtt:.0f} us), which bounds "
                     f"1 MiB puts: 1 MiB at memcpy speed is ~{MIB / (memcpy * 1e9) * 1e6:.0f} us" if memcpy else "")
    out["large_put"] = "; ".join(p for p in parts if p)
    out["cs_large_put"] = ("PlasmaClient.Put above CreateAndSealThreshold does Create + Span.CopyTo + Seal "
                           "(managed/PlasmaClient.cs Put): a copy pass then a digest pass; it does not use the "
                           "fused ps_object_write_and_seal. " + out["large_put"])
    cs_alloc = figs.items.get("cs.small.get_release.ops", {}).get("alloc_bytes_per_op")
    out["cs_get_release"] = (f"C# Get(id, timeout) allocates {cs_alloc} B per call: it goes through the span overload "
                             "(three 1-element arrays: nint[], ObjectHandle?[], PlasmaObject?[]) plus ObjectHandle, "
                             "ObjectMapping and PlasmaObject, plus the eagerly formatted error subject ($\"object {id}\"), and a "
                             "P/Invoke for Get and one for Release (see cs_small_put for the JIT-tiering caveat of the quick job); "
                             f"{load_text}")
    put_alloc = figs.items.get("cs.small.put.ops", {}).get("alloc_bytes_per_op")
    put_over = v("cs.overhead.put")
    out["cs_small_put"] = ("Put is one CreateAndSeal round trip vs Create+Seal (2 round trips) + Release, so the ratio "
                           "is ~2x when wake-ups dominate; "
                           + (f"C# Put takes {put_over:.2f}x the time of the C++ CreateAndSeal here; " if put_over else "")
                           + (f"it allocates {put_alloc} B per call because every PlasmaClient method builds its "
                              "error subject eagerly (NativeStatus.Check(code, error, $\"object {id}\") formats the id "
                              "as hex on every call, success included; bindings/NativeStatus.cs takes a string); "
                              if put_alloc else "")
                           + "that allocation costs well under 1 us, so it does not explain a gap of several us; a perf "
                             "profile of the quick run shows ~25% of the C# process samples in libclrjit/libcoreclr "
                             "(JIT tiering during the short 5 x 150 ms quick job), so the quick job may still time "
                             "partly unoptimised code - compare with --full before routing; "
                           + load_text)
    out["get_o1"] = ("Get sends only offsets (no copy); a difference between 1 GiB and 1 KiB comes from touching "
                     f"the object's pages or noise; {load_text}")
    g_small = figs.items.get("cs.get.get_record_batch.1kib.us", {}).get("gen2_gcs_per_1000_ops")
    g_big = figs.items.get("cs.get.get_record_batch.1gib.us", {}).get("gen2_gcs_per_1000_ops")
    gc_text = (f" (here {g_big:.0f} full GCs per 1000 reads of the 1 GiB batch vs {g_small:.1f} for 1 KiB)"
               if g_big is not None and g_small is not None else "")
    out["batch_o1"] = ("no data is copied, but PlasmaArrowExtensions.AttachOwner gives each batch an owner by "
                       "exporting and re-importing it through Arrow's C data interface, and Apache.Arrow's "
                       "ImportedAllocationOwner.AddMemory calls GC.AddMemoryPressure(buffer length) for every "
                       "imported buffer: a 1 GiB batch registers 1 GiB of pressure per read and the GC answers "
                       f"with full (gen2) collections{gc_text}; an owner that does not go through the importer "
                       f"(e.g. ArrowBuffers over a ref-counted MemoryManager of the mapping) would avoid it; {load_text}")
    c1 = figs.items.get("cpp.scale.clients_1.ops", {})
    c4 = figs.items.get("cpp.scale.clients_4.ops", {})
    cpu_text = ""
    if c1.get("store_cpu_us_per_op") and c1.get("client_cpu_us_per_op"):
        total = c1["store_cpu_us_per_op"] + c1["client_cpu_us_per_op"]
        cpu_text = (f"CPU per op with 1 client: store {c1['store_cpu_us_per_op']:.0f} us + client "
                    f"{c1['client_cpu_us_per_op']:.0f} us, so {os.cpu_count()} fully free vCPUs allow at most "
                    f"~{os.cpu_count() * 1e6 / total:,.0f} ops/s in total and the store alone "
                    f"~{1e6 / c1['store_cpu_us_per_op']:,.0f} ops/s")
        if c4.get("store_cpu_us_per_op") and c4.get("client_cpu_us_per_op"):
            cpu_text += (f"; with 4 clients CPU per op was store {c4['store_cpu_us_per_op']:.0f} us + client "
                         f"{c4['client_cpu_us_per_op']:.0f} us")
        cpu_text += "; "
    out["clients"] = (cpu_text + "the store is one epoll thread and every Create+Seal+Release wakes it 3 times (Create, Seal, "
                      "Release: strace shows 3 epoll_wait + 3 recvmsg + 2 send per op in the store, 3 sendmsg + "
                      "4 recvmsg in the client - each reply is read as header then body); with 4 clients + store "
                      f"on {os.cpu_count()} vCPUs the extra clients mostly queue for CPU; {load_text}")
    cpu_parts = []
    for op in ("get_release", "contains"):
        near = figs.items.get(f"cpp.small.{op}.ops", {}).get("store_cpu_us_per_op")
        full = figs.items.get(f"cpp.scale.100k.{op}.ops", {}).get("store_cpu_us_per_op")
        if near and full:
            cpu_parts.append(f"{op}: store CPU {near:.1f} us/op near-empty vs {full:.1f} us/op with 100k")
    out["scale_100k"] = ("; ".join(cpu_parts) + ("; " if cpu_parts else "") +
                         "when the store's CPU per op barely changes, the wall-clock drop is scheduling noise "
                         f"(each op waits for 2 process wake-ups), not the object table; {load_text}")
    return out


# ---------------------------------------------------------------- output

def fmt(x, unit=None):
    if x is None:
        return "-"
    if unit == "bytes":
        return f"{x / MIB:.1f} MiB"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


def write_markdown(path, result):
    lines = [f"### PlasmaSharp benchmarks ({result['mode']} mode, {result['date']})", "",
             f"Store: {result['store']}. Machine: {result['machine']['cpus']} CPUs, load average at start "
             f"{result['machine'].get('load_average', '-')}. Each value is a median; ratio_to_floor is defined in "
             "tools/bench/README.md (small ops: share of the rate one socket round trip per request allows; "
             "large puts: x memcpy; gets: x one round trip). CPU columns (C++ figures only): CPU time per "
             "operation of the benchmark thread and of the whole store process - they stay meaningful "
             "when a loaded machine makes wall-clock rates mostly measure waiting for a CPU.", "",
             "| key | value | unit | min | max | n | ratio to floor | client CPU us/op | store CPU us/op |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for key, f in result["figures"].items():
        lines.append(f"| `{key}` | {fmt(f['value'], f['unit'])} | {f['unit'] if f['unit'] != 'bytes' else ''} | "
                     f"{fmt(f.get('min'), f['unit'])} | {fmt(f.get('max'), f['unit'])} | {f.get('n', '-')} | "
                     f"{fmt(f.get('ratio_to_floor', f.get('ratio_to_capacity')))} | "
                     f"{fmt(f.get('client_cpu_us_per_op'))} | {fmt(f.get('store_cpu_us_per_op'))} |")
    lines += ["", "| target | ratio | threshold | met | what limits it |", "|---|---:|---|---|---|"]
    for t in result["targets"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['description']} | {fmt(t['ratio'])} | {t['threshold']} | {met} | {t.get('limit', '') or ''} |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--native", help="plasma_bench JSON (--benchmark_out)")
    p.add_argument("--managed", help="BenchmarkDotNet artifacts folder")
    p.add_argument("--limits", help="optional JSON: target group -> extra text on what limits it")
    p.add_argument("--mode", default="quick")
    p.add_argument("--store", default="plasma-store started by the bench")
    p.add_argument("--out-json", required=True)
    p.add_argument("--out-md", required=True)
    a = p.parse_args()

    figs = Figures()
    context = {}
    if a.native and os.path.exists(a.native):
        context, runs = load_native(a.native)
        collect_native(figs, runs)
    collect_managed(figs, load_managed(a.managed))
    limits = {}
    if a.limits and os.path.exists(a.limits):
        with open(a.limits) as f:
            limits = json.load(f)
    result = {
        "schema": "plasmasharp-bench/1",
        "mode": a.mode,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "store": a.store,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average": context.get("load_avg")},
        "figures": figs.items,
        "targets": collect_targets(figs, limits, context.get("load_avg")),
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out_json)), exist_ok=True)
    with open(a.out_json, "w") as f:
        json.dump(result, f, indent=1)
    write_markdown(a.out_md, result)


if __name__ == "__main__":
    main()
