#!/usr/bin/env python3
"""Python client benchmark (issue 13, item 7): plasmasharp.plasma against a Plasma store.

    python3 tools/bench/python/bench.py [--store-socket=PATH] [--seconds=S] [--large-mib=N] [--rounds=R]

Starts the bundled store (plasmasharp's start_plasma_store) unless --store-socket names one.
Prints one JSON object as the last line of stdout (keys stable):
  python_put_1k_ops_s        put_raw_buffer of 1 KiB (one CreateAndSeal round trip), ops/s
  python_get_1k_ops_s        get_buffers of a 1 KiB object + dropping the buffer (release), ops/s
  python_put_100m_gb_s       put_raw_buffer of --large-mib MiB (Create, fused copy+digest, Seal,
                             Release), GB/s; the Delete after each put is not timed
  python_memcpy_100m_gb_s    the floor: one copy of as many bytes between two bytearrays, GB/s
  python_put_100m_vs_memcpy  the ratio of the two above
Each figure is the best of --rounds timed rounds (rounds of --seconds each for the small ops;
the large put and the copy first run once untimed, so every timed round has warm pages).
Also in the object, for tools/bench/collect.py: "rounds" (every round's figure, per key above),
"client_cpu_us_per_op" / "store_cpu_us_per_op" (medians over the small-op rounds; CPU of this
whole process, and of the store when this script started it), "large_bytes", "pyarrow_imported"
(the buffers are pyarrow.Buffers when pyarrow imports, memoryviews otherwise).
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import plasmasharp.plasma as plasma  # noqa: E402


def process_cpu_seconds(pid):
    """utime + stime of a process (from /proc; None when it cannot be read)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


class SmallOps:
    """Timed rounds of one small operation: rate, and CPU per op of this process and the store."""

    def __init__(self, seconds, rounds, store_pid):
        self.seconds, self.rounds, self.store_pid = seconds, rounds, store_pid

    def measure(self, operation):
        rates, client_cpu, store_cpu = [], [], []
        for _ in range(self.rounds):
            count = 0
            store_start = process_cpu_seconds(self.store_pid) if self.store_pid else None
            cpu_start, start = time.process_time(), time.perf_counter()
            deadline = start + self.seconds
            while True:
                for _ in range(100):
                    operation()
                count += 100
                now = time.perf_counter()
                if now >= deadline:
                    break
            client_cpu.append((time.process_time() - cpu_start) / count * 1e6)
            if store_start is not None:
                store_end = process_cpu_seconds(self.store_pid)
                if store_end is not None:
                    store_cpu.append((store_end - store_start) / count * 1e6)
            rates.append(count / (now - start))
        return rates, statistics.median(client_cpu), statistics.median(store_cpu) if store_cpu else None


def bench(socket_name, seconds, large_mib, rounds, store_pid):
    client = plasma.connect(socket_name)
    small = b"s" * 1024
    small_ops = SmallOps(seconds, rounds, store_pid)
    samples, client_cpu, store_cpu = {}, {}, {}

    put_ids = []

    def put_small():
        put_ids.append(client.put_raw_buffer(small))

    key = "python_put_1k_ops_s"
    samples[key], client_cpu[key], store_cpu[key] = small_ops.measure(put_small)
    if not client.contains(put_ids[-1]):
        raise RuntimeError("a 1 KiB put_raw_buffer did not leave a sealed object")
    client.delete(put_ids)

    get_id = client.put_raw_buffer(small)
    ids = [get_id]

    def get_small():
        [buf] = client.get_buffers(ids, timeout_ms=0)
        del buf   # the release goes to the store, as C#'s Get+Dispose

    key = "python_get_1k_ops_s"
    samples[key], client_cpu[key], store_cpu[key] = small_ops.measure(get_small)
    # The store deletes an object still referenced only once it is released: gone now means every
    # get above was released (the Release messages precede the Delete on the socket).
    client.delete(ids)
    if client.contains(get_id):
        raise RuntimeError("the 1 KiB object is still referenced after the get loop: gets were not released")

    large = bytearray(os.urandom(1 << 20)) * large_mib
    size = len(large)
    put_rates = []
    for round_index in range(rounds + 1):   # round 0 warms the store's pages, untimed
        object_id = plasma.ObjectID.from_random()
        start = time.perf_counter()
        client.put_raw_buffer(large, object_id=object_id)
        elapsed = time.perf_counter() - start
        client.delete([object_id])
        if round_index:
            put_rates.append(size / elapsed / 1e9)
    target = bytearray(size)
    copy_rates = []
    for round_index in range(rounds + 1):   # round 0 faults the target's pages in, untimed
        start = time.perf_counter()
        target[:] = large
        elapsed = time.perf_counter() - start
        if round_index:
            copy_rates.append(size / elapsed / 1e9)
    samples["python_put_100m_gb_s"] = put_rates
    samples["python_memcpy_100m_gb_s"] = copy_rates
    client.disconnect()

    results = {k: round(max(v), 3) for k, v in samples.items()}
    results["python_put_100m_vs_memcpy"] = round(max(put_rates) / max(copy_rates), 3)
    results["rounds"] = {k: [round(x, 3) for x in v] for k, v in samples.items()}
    results["client_cpu_us_per_op"] = {k: round(v, 2) for k, v in client_cpu.items()}
    results["store_cpu_us_per_op"] = {k: round(v, 2) for k, v in store_cpu.items() if v is not None}
    results["large_bytes"] = size
    results["pyarrow_imported"] = "pyarrow" in sys.modules
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-socket", help="an existing store (default: start the bundled one)")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each small-op round")
    parser.add_argument("--large-mib", type=int, default=100, help="size of the large put")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of each figure")
    args = parser.parse_args()
    if args.store_socket:
        results = bench(args.store_socket, args.seconds, args.large_mib, args.rounds, None)
    else:
        with plasma.start_plasma_store((args.large_mib + 64) << 20) as (socket_name, process):
            results = bench(socket_name, args.seconds, args.large_mib, args.rounds, process.pid)
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
