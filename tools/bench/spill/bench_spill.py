#!/usr/bin/env python3
"""Spilling benchmark (issue 17, item 6): plasma-store -e file://DIR against plain file I/O.

    python3 tools/bench/spill/bench_spill.py [--store=PATH] [--dir=DIR] [--rounds=R] [--large-mib=N]
                                             [--small-gets=N]

Starts its own store (--store, default $PLASMASHARP_NATIVE_DIR/plasma-store) with
`-e file://<fresh folder in --dir>` (default /var/tmp), so the spill files and the floor's files
live on the same file system, and with --prefault (and waits for it), so restores land in
populated pages as the floor's reads do. Prints one JSON object as the last line of stdout (keys stable):
  rounds.spill_s          seconds of a Create of N MiB in a store full of N MiB objects: the
                          store spills its least recently used one (one writev of N MiB + header,
                          after hashing it) before it answers; one value per timed round
  rounds.restore_s        seconds of a Get of that spilled object (room made first, untimed): one
                          preadv of N MiB straight into its new block, then the reply
  rounds.file_write_s     the floor: open + one write() of N MiB + close, a new file in the same
                          folder (page cache, no fsync, as the store), from a shared mapping of
                          a /dev/shm file (the kind of memory the store's segment is)
  rounds.file_read_s      the floor: open + readinto() of that file into such a mapping + close
  rounds.spilled_get_1k_us   median Get + release of a spilled 1 KiB object (read back from a
                             fused spill file; memory has room) over --small-gets objects
  rounds.memory_get_1k_us    the same objects' Get + release again, now in memory
Each round also repeats the figures once untimed first (warm pages). "large_bytes", "fs" (the
folder's file system type from /proc/mounts), "load_average" (at the end).
"""
import argparse
import json
import mmap
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "python"))
import plasmasharp.plasma as plasma  # noqa: E402

MIB = 1 << 20


def start_store(executable, capacity, folder, spill_dir):
    """The store with -e file://spill_dir and --prefault (its whole segment populated before the
    first figure, like the floor's prefaulted mapping: a restore then never waits for fresh pages)."""
    socket = os.path.join(folder, "plasma.sock")
    log_path = os.path.join(folder, "store.log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([executable, "-m", str(capacity), "-s", socket, "-e", "file://" + spill_dir,
                                 "--prefault"], stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while True:
        with open(log_path) as f:
            text = f.read()
        if os.path.exists(socket) and "prefaulted" in text:
            return proc, socket
        if proc.poll() is not None or time.monotonic() > deadline or "prefault failed" in text:
            proc.kill()
            raise RuntimeError("the store did not start (or prefault): " + text)
        time.sleep(0.01)


def settle(client, name):
    """Waits until one of the store's stats stops changing (spill writes run on the store's thread)."""
    last = None
    for _ in range(500):
        now = client.store_stats(count_objects=False)[name]
        if now == last:
            return now
        last = now
        time.sleep(0.01)
    return last


class SharedBuffer:
    """`size` bytes of the memory kind the store's segment is: a shared mapping of an unlinked
    /dev/shm file, every page faulted in (private memory may get transparent huge pages, which
    copy faster than the segment's 4 KiB shmem pages: not a fair floor)."""

    def __init__(self, size, content):
        fd, path = tempfile.mkstemp(dir="/dev/shm", prefix="plasmasharp-spill-floor-")
        os.unlink(path)
        os.ftruncate(fd, size)
        self.map = mmap.mmap(fd, size)
        os.close(fd)
        self.map[:] = content


def file_floor(folder, source, target, size):
    """(write seconds, read seconds) of one file of `size` bytes in `folder`: written from
    `source`, read into `target` (SharedBuffers)."""
    path = os.path.join(folder, "floor.bin")
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    view = memoryview(source.map)
    written = 0
    while written < size:
        written += os.write(fd, view[written:])
    view.release()
    os.close(fd)
    write_s = time.perf_counter() - start
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        got = f.readinto(target.map)
    read_s = time.perf_counter() - start
    os.unlink(path)
    assert got == size
    return write_s, read_s


def large_rounds(executable, folder, rounds, size):
    """Spill and restore of `size`-byte objects next to the plain file write/read floor."""
    spill_dir = os.path.join(folder, "spill-large")
    # Three objects fit; a fourth makes the store spill exactly one (it frees >= 20% of the
    # capacity, less than one object).
    capacity = size * 7 // 2
    proc, socket = start_store(executable, capacity, folder, spill_dir)
    result = {"spill_s": [], "restore_s": [], "file_write_s": [], "file_read_s": []}
    try:
        client = plasma.connect(socket)
        source = os.urandom(MIB) * (size // MIB) + os.urandom(size % MIB)
        floor_source, floor_target = SharedBuffer(size, source), SharedBuffer(size, source)
        in_memory = []  # least recently used first

        def put_timed(object_id):
            start = time.perf_counter()
            buf = client.create(object_id, size)
            elapsed = time.perf_counter() - start
            memoryview(buf)[:] = source
            client.seal(object_id)
            del buf  # releases it
            return elapsed

        for _ in range(3):
            object_id = plasma.ObjectID.from_random()
            put_timed(object_id)
            in_memory.append(object_id)
        for round_index in range(rounds + 1):
            victim = in_memory.pop(0)
            new = plasma.ObjectID.from_random()
            spill_s = put_timed(new)
            in_memory.append(new)
            assert settle(client, "spilled_objects") == 1, client.debug_string()
            client.delete([in_memory.pop(0)])  # room for the restore: no spill in the timed Get
            start = time.perf_counter()
            [buf] = client.get_buffers([victim], timeout_ms=0)
            restore_s = time.perf_counter() - start
            assert buf is not None and len(buf) == size, "the spilled object did not come back"
            assert bytes(memoryview(buf)[:4096]) == source[:4096]
            del buf  # releases it
            in_memory.append(victim)
            write_s, read_s = file_floor(folder, floor_source, floor_target, size)
            if round_index == 0:
                continue  # untimed: warms the pages of both paths
            result["spill_s"].append(spill_s)
            result["restore_s"].append(restore_s)
            result["file_write_s"].append(write_s)
            result["file_read_s"].append(read_s)
        client.disconnect()
    finally:
        proc.terminate()
        proc.wait()
    return result


def small_rounds(executable, folder, rounds, count):
    """Get + release of spilled 1 KiB objects (each read from a fused file) vs. in memory."""
    spill_dir = os.path.join(folder, "spill-small")
    proc, socket = start_store(executable, 64 * MIB, folder, spill_dir)
    result = {"spilled_get_1k_us": [], "memory_get_1k_us": []}
    try:
        client = plasma.connect(socket)
        payload = os.urandom(1024)
        for round_index in range(rounds + 1):
            ids = [plasma.ObjectID.from_random() for _ in range(count)]
            for object_id in ids:
                client.put_raw_buffer(payload, object_id=object_id)
            client.evict(64 * MIB)  # every unused object is spilled, in one fused file
            assert settle(client, "spilled_objects") >= count, client.debug_string()
            timings = {"spilled_get_1k_us": [], "memory_get_1k_us": []}
            for key in ("spilled_get_1k_us", "memory_get_1k_us"):
                for object_id in ids:
                    start = time.perf_counter()
                    [buf] = client.get_buffers([object_id], timeout_ms=0)
                    del buf  # releases it
                    timings[key].append((time.perf_counter() - start) * 1e6)
            client.delete(ids)
            if round_index == 0:
                continue
            for key, values in timings.items():
                result[key].append(statistics.median(values))
        client.disconnect()
    finally:
        proc.terminate()
        proc.wait()
    return result


def fs_type(folder):
    best, kind = "", "unknown"
    with open("/proc/mounts") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 2 and folder.startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], parts[2]
    return kind


def main():
    parser = argparse.ArgumentParser()
    native = os.environ.get("PLASMASHARP_NATIVE_DIR", "build/bin")
    parser.add_argument("--store", default=os.path.join(native, "plasma-store"))
    parser.add_argument("--dir", default="/var/tmp")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-mib", type=int, default=100)
    parser.add_argument("--small-gets", type=int, default=500)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="plasmasharp-spill-bench-", dir=args.dir)
    try:
        size = args.large_mib * MIB
        rounds = large_rounds(args.store, folder, args.rounds, size)
        rounds.update(small_rounds(args.store, folder, args.rounds, args.small_gets))
        out = {"rounds": rounds, "large_bytes": size, "fs": fs_type(os.path.realpath(folder)),
               "small_gets": args.small_gets, "load_average": list(os.getloadavg())}
        for key, values in rounds.items():
            print("%-20s %s" % (key, ", ".join("%.4g" % v for v in values)))
        print(json.dumps(out))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
