#!/usr/bin/env python3
"""Python client benchmark (issue 13, item 7): plasmasharp.plasma against a Plasma store.

    python3 tools/bench/python/bench.py [--store-socket=PATH] [--seconds=S] [--large-mib=N]

Starts the bundled store (plasmasharp's start_plasma_store) unless --store-socket names one.
Prints one JSON object (keys stable):
  python_put_1k_ops_s        put_raw_buffer of 1 KiB (one CreateAndSeal round trip), ops/s
  python_get_1k_ops_s        get_buffers of a 1 KiB object + dropping the buffer (release), ops/s
  python_put_100m_gb_s       put_raw_buffer of 100 MiB (Create, fused copy+digest, Seal), GB/s
  python_memcpy_100m_gb_s    the floor: one copy of 100 MiB between two bytearrays, GB/s
  python_put_100m_vs_memcpy  the ratio of the two above
Each figure is the best of a few timed rounds (rounds of --seconds each for the small ops).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import plasmasharp.plasma as plasma  # noqa: E402

ROUNDS = 3


def ops_per_second(operation, seconds):
    best = 0.0
    for _ in range(ROUNDS):
        count, start = 0, time.perf_counter()
        deadline = start + seconds
        while True:
            for _ in range(100):
                operation()
            count += 100
            now = time.perf_counter()
            if now >= deadline:
                break
        best = max(best, count / (now - start))
    return best


def bench(socket_name, seconds, large_mib):
    client = plasma.connect(socket_name)
    small = b"s" * 1024
    put_ids = []

    def put_small():
        put_ids.append(client.put_raw_buffer(small))

    results = {"python_put_1k_ops_s": ops_per_second(put_small, seconds)}
    client.delete(put_ids)

    get_id = client.put_raw_buffer(small)
    ids = [get_id]

    def get_small():
        [buf] = client.get_buffers(ids)
        del buf   # the release goes to the store, as C#'s Get+Dispose

    results["python_get_1k_ops_s"] = ops_per_second(get_small, seconds)

    large = bytearray(os.urandom(1 << 20)) * large_mib
    size = len(large)
    best_put = 0.0
    for _ in range(ROUNDS):
        object_id = plasma.ObjectID.from_random()
        start = time.perf_counter()
        client.put_raw_buffer(large, object_id=object_id)
        best_put = max(best_put, size / (time.perf_counter() - start) / 1e9)
        client.delete([object_id])
    target = bytearray(size)
    best_copy = 0.0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        target[:] = large
        best_copy = max(best_copy, size / (time.perf_counter() - start) / 1e9)
    results["python_put_100m_gb_s"] = best_put
    results["python_memcpy_100m_gb_s"] = best_copy
    results["python_put_100m_vs_memcpy"] = best_put / best_copy
    client.disconnect()
    return {k: round(v, 3) for k, v in results.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store-socket", help="an existing store (default: start the bundled one)")
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each small-op round")
    parser.add_argument("--large-mib", type=int, default=100, help="size of the large put")
    args = parser.parse_args()
    if args.store_socket:
        results = bench(args.store_socket, args.seconds, args.large_mib)
    else:
        with plasma.start_plasma_store((args.large_mib + 64) << 20) as (socket_name, _):
            results = bench(socket_name, args.seconds, args.large_mib)
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    main()
