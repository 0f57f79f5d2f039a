#!/usr/bin/env python3
"""Seed corpora for the fuzzers, generated from the recorded Plasma vectors at run time
(nothing binary is committed).

usage: make_corpus.py VECTORS_DIR OUT_DIR
writes OUT_DIR/store/*   inputs of fuzz_store_messages (see store_messages_fuzzer.cc)
       OUT_DIR/client/*  inputs of fuzz_client_replies (see client_replies_fuzzer.cc)
plus every known finding in tests/fuzz/regressions/{store,client}/*.hex (hex text).
"""
import glob
import hashlib
import json
import os
import struct
import sys

# Reply type -> the client fuzzer's operation that reads it (client_replies_fuzzer.cc).
REPLY_OP = {
    20: 0,   # ConnectReply: op 0 (the stream is the ConnectReply)
    29: 1,   # SetOptionsReply
    2: 2,    # CreateReply
    8: 2,    # SealReply (Create, Seal)
    4: 3,    # CreateAndSealReply
    33: 4,   # CreateAndSealBatchReply
    10: 5,   # GetReply
    16: 6,   # ContainsReply
    14: 7,   # DeleteReply
    22: 8,   # EvictReply
    35: 9,   # RefreshLRUReply
    18: 11,  # ListReply
    31: 12,  # GetDebugStringReply
    6: 15,   # AbortReply
}
NOTIFICATION_OP = 14
SUBSCRIBE_REQUEST = 23


def frame(rec):
    payload = bytes.fromhex(rec.get("payload_hex", ""))
    if rec.get("header_hex"):
        header = bytes.fromhex(rec["header_hex"])
    else:
        header = struct.pack("<qqq", rec.get("version", 0), rec["msg_type"], len(payload))
    return header + payload


def write(out_dir, data):
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    vectors, out = sys.argv[1], sys.argv[2]
    store_dir = os.path.join(out, "store")
    client_dir = os.path.join(out, "client")
    os.makedirs(store_dir, exist_ok=True)
    os.makedirs(client_dir, exist_ok=True)
    counts = {"store": 0, "client": 0}
    for path in sorted(glob.glob(os.path.join(vectors, "*.jsonl"))):
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        records = [r for r in records if r.get("msg_type", -1) >= 0 and "payload_hex" in r]
        records.sort(key=lambda r: r["seq"])

        # Store: the whole scenario as one input (connections interleaved as recorded) and each
        # request alone.
        scenario = b""
        for r in records:
            if r["direction"] != "client->store" or r["socket"] != "main":
                continue
            control = r["conn"] % 3
            if r["msg_type"] == SUBSCRIBE_REQUEST:
                control |= 4  # the fd that follows
            record = bytes([control]) + frame(r)
            scenario += record
            write(store_dir, record)
            counts["store"] += 1
        if scenario:
            write(store_dir, scenario)
            write(store_dir, scenario + bytes([8]) + scenario)  # plus timers, then again
            counts["store"] += 2

        # Client: each reply as the stream of the operation that reads it, with its fds; and
        # each notification frame (int64 length + payload) for the Subscription decoder.
        per_conn = {}
        for r in records:
            if r["direction"] != "store->client":
                continue
            if r["socket"] == "notification":
                payload = bytes.fromhex(r["payload_hex"])
                data = bytes([NOTIFICATION_OP, 0]) + struct.pack("<q", len(payload)) + payload
                write(client_dir, data)
                counts["client"] += 1
                continue
            op = REPLY_OP.get(r["msg_type"])
            if op is None:
                continue
            fds = min(int(r.get("fds_after", 0)), 3)
            flags = fds | (1 << 2)  # 1 MiB memfds
            write(client_dir, bytes([op, flags]) + frame(r))
            counts["client"] += 1
            if r["msg_type"] != 20:
                per_conn.setdefault(r["conn"], []).append((op, fds, frame(r)))
        # A connection's replies in a row, read by the first reply's operation.
        for replies in per_conn.values():
            op, fds, _ = replies[0]
            data = bytes([op, (fds | (1 << 2) | 0x20) if fds else 0]) + b"".join(x[2] for x in replies)
            write(client_dir, data)
            counts["client"] += 1
    # Known findings (tests/fuzz/regressions/<target>/*.hex, small text files): always seeds, so
    # a short run re-checks every crash ever found before it explores.
    here = os.path.dirname(os.path.abspath(__file__))
    for target, out_dir in (("store", store_dir), ("client", client_dir)):
        for path in sorted(glob.glob(os.path.join(here, "regressions", target, "*.hex"))):
            with open(path) as f:
                write(out_dir, bytes.fromhex(f.read().strip()))
            counts[target] += 1
    print("seed corpus: %d store inputs, %d client inputs in %s" % (counts["store"], counts["client"], out))


if __name__ == "__main__":
    main()
