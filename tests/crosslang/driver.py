#!/usr/bin/env python3
"""Runs every writer x reader pair of the cross-language tests, once per store.

Each writer and each reader is its own OS process (see README.md for the shared command line).
A writer prints the ids it created; they are passed on the command line to the reader. Every
exchange runs on each store given with --store (ours and the real Arrow 11 one; the stores side
by side, one thread each). Results go to RESULTS_DIR/crosslang.xml (JUnit: one testcase per
pair, exchange and store, named `writer -> reader [store]`) and one writer x reader matrix per
store on stdout. Exit status 1 when anything failed.

Called by run.sh, which builds the programs and starts the stores:
  driver.py --store LABEL=SOCKET... --results DIR --work DIR --prepared FILE --lang NAME=CMD...
"""
import argparse
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time
import traceback
import xml.etree.ElementTree as ET

HEX_ID = re.compile(r"^[0-9a-f]{40}$")
RAW_SIZES = [0, 1, 7, 4096, 65537, 1000003]
LARGE_SIZE = 256 * 1024 * 1024 + 3
RAW_METADATA = "00ff" + b"crosslang raw".hex()
MANY_COUNT = 1000
STREAM_COUNT = 200
PROCESS_TIMEOUT_S = 120

# The languages are the --lang names run.sh passes, in that order; each takes part in every
# exchange, both ways with every other language (and itself), except as said here:
PYARROW = "python+pyarrow"      # the ctypes Python path with pyarrow building/decoding the batch:
ARROW_ONLY = {PYARROW}          # only in `arrow` (elsewhere it is the `python` path again)
# Languages without an Arrow writer relay the IPC stream file another language emitted
# (`emit-arrow`), so their Arrow objects still come from a real Arrow writer.
# plasmasharp-py relays only without Arrow 11 (with it, it writes with put_table and ignores the file).
RELAY_FROM = {"cpp": "csharp", "python": "node", "cpp-real": "csharp", "plasmasharp-py": "node"}
# `large` (256 MiB objects) runs each hub with every other language both ways, not all pairs.
LARGE_HUBS = ["csharp", "cpp-real"]
# A new language needs only a --lang line in run.sh (and a build note there); add it to the sets
# above only if it is special.


class Result:
    def __init__(self, store, exchange, writer, reader, status, message, seconds):
        self.store, self.exchange, self.writer, self.reader = store, exchange, writer, reader
        self.status, self.message, self.seconds = status, message, seconds


class Runner:
    """Runs the exchanges against one store (`store` is its label, e.g. our-store)."""

    def __init__(self, args, prepared, commands, store, socket_path, results):
        self.store, self.socket = store, socket_path
        self.work = args.work
        self.commands = commands  # language -> argv prefix
        self.languages = list(commands)
        # language, "native" or the store label -> ("fail"|"skip", why) when it cannot run
        self.unavailable = {name: p for name, p in prepared.items() if p[0] != "pass"}
        self.results = results

    # -- processes --

    def run(self, language, command, args, timeout=PROCESS_TIMEOUT_S):
        """Runs one program; returns (ok, stdout, why)."""
        argv = self.commands[language] + [command, self.socket] + args
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            return False, "", "%s %s timed out after %d s; stderr: %s" % (language, command, timeout,
                                                                       tail(e.stderr))
        if done.returncode != 0:
            return False, done.stdout, "%s %s exited %d: %s" % (language, command, done.returncode,
                                                                 tail(done.stderr))
        return True, done.stdout, ""

    def start(self, language, command, args):
        argv = self.commands[language] + [command, self.socket] + args
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def blocked(self, *languages):
        """("fail"|"skip", why) when the store or one of the languages cannot run, else None."""
        for name in (self.store, "native") + languages:
            if name in self.unavailable:
                return self.unavailable[name]
        if not self.store_accepts():
            # Fail the rest fast instead of letting every process retry its connect.
            self.unavailable[self.store] = ("fail", "%s no longer accepts connections on %s" % (self.store, self.socket))
            return self.unavailable[self.store]
        return None

    def store_accepts(self):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(self.socket)
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def record(self, exchange, writer, reader, status, message="", started=None):
        seconds = time.monotonic() - started if started else 0.0
        self.results.append(Result(self.store, exchange, writer, reader, status, message, seconds))
        mark = {"pass": "ok  ", "fail": "FAIL", "skip": "skip"}[status]
        say("  %s %-7s %-15s -> %-15s [%s] %s" % (mark, exchange, writer, reader, self.store,
                                                  message if status != "pass" else ""))

    # -- exchanges --

    def pair(self, exchange, writer, reader, put, get_args):
        """Writer runs `put`, the reader checks what get_args(writer stdout) returns."""
        started = time.monotonic()
        blocked = self.blocked(writer, reader)
        if blocked:
            self.record(exchange, writer, reader, blocked[0], blocked[1], started)
            return
        ok, out, why = self.run(writer, put[0], put[1])
        if not ok:
            self.record(exchange, writer, reader, "fail", "writer: " + why, started)
            return
        try:
            get = get_args(out)
        except ValueError as e:
            self.record(exchange, writer, reader, "fail", "writer output: %s" % e, started)
            return
        ok, _, why = self.run(reader, get[0], get[1])
        self.record(exchange, writer, reader, "pass" if ok else "fail", "" if ok else "reader: " + why, started)

    def raw(self, exchange, writer, reader, sizes, seed):
        def get_args(out):
            ids = ids_from(out, len(sizes))
            return "get-raw", [str(seed), RAW_METADATA] + ["%d=%s" % (s, i) for s, i in zip(sizes, ids)]
        self.pair(exchange, writer, reader, ("put-raw", [str(seed), RAW_METADATA] + [str(s) for s in sizes]),
                  get_args)

    def arrow(self, writer, reader, ipc_file):
        def get_args(out):
            lines = out.split()
            if len(lines) != 3 or not HEX_ID.match(lines[0]) or not re.match(r"^[0-9a-f]{16}$", lines[2]):
                raise ValueError("expected 'ID SIZE FNV1A64', got %r" % out[-200:])
            return "get-arrow", lines
        put_args = [ipc_file] if ipc_file else []
        self.pair("arrow", writer, reader, ("put-arrow", put_args), get_args)

    def many(self, writer, reader):
        self.pair("many", writer, reader, ("put-many", [str(MANY_COUNT)]),
                  lambda out: ("get-many", ids_from(out, MANY_COUNT)))

    def stream(self, writer, readers):
        """Readers start first and wait in Get while the writer keeps creating objects."""
        started = time.monotonic()
        ids = [os.urandom(20).hex() for _ in range(STREAM_COUNT)]
        runnable = []
        for reader in readers:
            blocked = self.blocked(writer, reader)
            if blocked:
                self.record("stream", writer, reader, blocked[0], blocked[1], started)
            else:
                runnable.append(reader)
        if not runnable:
            return
        processes = {reader: self.start(reader, "get-stream", ids) for reader in runnable}
        # Every reader connects and says so before the writer starts: their Gets then wait for
        # objects the writer has not created yet (Plasma's Get-before-Seal semantics).
        for reader, process in processes.items():
            ready, _, _ = select.select([process.stdout], [], [], PROCESS_TIMEOUT_S)
            if ready:
                process.stdout.readline()  # "connected", or "" when it exited (reported below)
        ok, _, why = self.run(writer, "put-stream", ids)
        for reader, process in processes.items():
            try:
                _, err = process.communicate(timeout=PROCESS_TIMEOUT_S)
                reader_ok, reader_why = process.returncode == 0, "exited %d: %s" % (process.returncode, tail(err))
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
                reader_ok, reader_why = False, "timed out: %s" % tail(err)
            if not ok:
                self.record("stream", writer, reader, "fail", "writer: " + why, started)
            elif not reader_ok:
                self.record("stream", writer, reader, "fail", "reader %s %s" % (reader, reader_why), started)
            else:
                self.record("stream", writer, reader, "pass", "", started)

    def emit_arrow_file(self, language):
        """The reference batch as an IPC stream file, written by `language` (input of the relays)."""
        path = os.path.join(self.work, "reference-%s-%s.arrows" % (language, self.store))
        if self.blocked(language):
            return None, "%s is not available to write the IPC file" % language
        argv = self.commands[language] + ["emit-arrow", path]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PROCESS_TIMEOUT_S)
        if done.returncode != 0:
            return None, "%s emit-arrow exited %d: %s" % (language, done.returncode, tail(done.stderr))
        return path, ""


def say(line):
    """One progress line in one write: the stores' threads print at the same time."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def ids_from(out, expected):
    ids = out.split()
    if len(ids) != expected:
        raise ValueError("expected %d ids, got %d" % (expected, len(ids)))
    bad = [i for i in ids if not HEX_ID.match(i)]
    if bad:
        raise ValueError("not 40 lowercase hex chars: %r" % bad[0])
    return ids


def xml_safe(text):
    """Drops the control characters XML 1.0 cannot carry (a program's stderr may hold some)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def tail(text, limit=600):
    text = (text or "").strip()
    fail_lines = [l for l in text.splitlines() if l.startswith("FAIL:") or l.startswith("SKIP:")]
    text = fail_lines[-1] if fail_lines else text
    return text[-limit:]


def all_pairs(languages):
    return [(w, r) for w in languages for r in languages]


def exchange_languages(runner):
    """The languages of raw, large, many and stream: all but the arrow-only paths."""
    return [l for l in runner.languages if l not in ARROW_ONLY]


def run_raw(runner):
    say("raw bytes + metadata, sizes %s [%s]:" % (RAW_SIZES, runner.store))
    for seed, (writer, reader) in enumerate(all_pairs(exchange_languages(runner))):
        runner.raw("raw", writer, reader, RAW_SIZES, seed)


def large_pairs(languages):
    pairs = []
    for hub in [h for h in LARGE_HUBS if h in languages]:
        for other in languages:
            for pair in ((hub, other), (other, hub)):
                if other != hub and pair not in pairs:
                    pairs.append(pair)
    return pairs


def run_large(runner):
    say("large object (%d bytes) [%s]:" % (LARGE_SIZE, runner.store))
    for seed, (writer, reader) in enumerate(large_pairs(exchange_languages(runner))):
        runner.raw("large", writer, reader, [LARGE_SIZE], 100 + seed)


def run_arrow(runner):
    say("arrow IPC record batch, metadata RAW [%s]:" % runner.store)
    sources = {source for language, source in RELAY_FROM.items() if language in runner.languages}
    files = {source: runner.emit_arrow_file(source) for source in sorted(sources)}
    for writer, reader in all_pairs(runner.languages):
        ipc_file, why = files[RELAY_FROM[writer]] if writer in RELAY_FROM else (None, "")
        if writer in RELAY_FROM and ipc_file is None and not runner.blocked(writer, reader):
            runner.record("arrow", writer, reader, "fail", why)
        else:
            runner.arrow(writer, reader, ipc_file)


def run_many(runner):
    say("many objects (%d) [%s]:" % (MANY_COUNT, runner.store))
    for writer, reader in all_pairs(exchange_languages(runner)):
        runner.many(writer, reader)


def run_stream(runner):
    say("concurrent readers while a writer creates (%d objects) [%s]:" % (STREAM_COUNT, runner.store))
    languages = exchange_languages(runner)
    for writer in languages:
        runner.stream(writer, languages)


EXCHANGES = {"raw": run_raw, "large": run_large, "arrow": run_arrow, "many": run_many, "stream": run_stream}


def write_junit(results, path, prepared):
    suite = ET.Element("testsuite", name="crosslang")
    counts = {"pass": 0, "fail": 0, "skip": 0}
    for name, (status, why) in prepared.items():
        case = ET.SubElement(suite, "testcase", classname="crosslang.build", name=name, time="0")
        counts[status] += 1
        if status == "fail":
            ET.SubElement(case, "failure", message=xml_safe(why)).text = xml_safe(why)
        elif status == "skip":
            ET.SubElement(case, "skipped", message=xml_safe(why))
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="crosslang." + r.exchange,
                             name="%s -> %s [%s]" % (r.writer, r.reader, r.store), time="%.3f" % r.seconds)
        counts[r.status] += 1
        if r.status == "fail":
            message = xml_safe(r.message)
            ET.SubElement(case, "failure", message=message[:1000]).text = message
        elif r.status == "skip":
            ET.SubElement(case, "skipped", message=xml_safe(r.message))
    total = sum(counts.values())
    suite.set("tests", str(total))
    suite.set("failures", str(counts["fail"]))
    suite.set("skipped", str(counts["skip"]))
    suite.set("errors", "0")
    suites = ET.Element("testsuites", name="crosslang", tests=str(total), failures=str(counts["fail"]),
                        skipped=str(counts["skip"]), errors="0")
    suites.append(suite)
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
    return counts


def print_matrix(store, languages, results):
    """Writer (rows) x reader (columns) on one store: pass only when every exchange of the pair passed."""
    cells = {}
    for r in results:
        if r.store == store:
            cells.setdefault((r.writer, r.reader), []).append(r)

    def cell(writer, reader):
        pair = cells.get((writer, reader))
        if not pair:
            return "-"
        failed = sum(1 for r in pair if r.status == "fail")
        passed = sum(1 for r in pair if r.status == "pass")
        if failed:
            return "FAIL %d/%d" % (failed, len(pair))
        if passed == len(pair):
            return "pass %d" % passed
        if passed == 0:
            return "skip %d" % len(pair)
        return "pass %d skip %d" % (passed, len(pair) - passed)

    width = max(14, max(len(l) for l in languages) + 1)
    print("\n[%s] writer \\ reader" % store)
    print(" " * 17 + "".join(l.ljust(width) for l in languages))
    for writer in languages:
        print(writer.ljust(17) + "".join(cell(writer, reader).ljust(width) for reader in languages))


def main():
    started = time.monotonic()
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", action="append", default=[], required=True,
                        help="LABEL=SOCKET: run every exchange on this store (in the order given)")
    parser.add_argument("--results", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--prepared", help="TSV: language or store label, ok|fail|skip, why (from run.sh)")
    parser.add_argument("--lang", action="append", default=[],
                        help="NAME=argv prefix, words separated by \\x1f")
    args = parser.parse_args()
    prepared = {}
    if args.prepared:
        for line in open(args.prepared, encoding="utf-8"):
            name, status, why = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            prepared[name] = (status if status in ("fail", "skip") else "pass", why)
    commands = {}
    for spec in args.lang:
        name, _, command = spec.partition("=")
        commands[name] = command.split("\x1f")
    # CROSSLANG_ONLY=raw,arrow runs only those exchanges (while working on one of them).
    only = [e for e in os.environ.get("CROSSLANG_ONLY", "").split(",") if e]
    results = []
    stores = [spec.partition("=")[::2] for spec in args.store]

    def run_store(store, socket_path):
        try:
            runner = Runner(args, prepared, commands, store, socket_path, results)
            for name, run in EXCHANGES.items():
                if not only or name in only:
                    run(runner)
        except Exception:  # a bug of the driver must fail the run, not shorten it silently
            results.append(Result(store, "driver", "driver", store, "fail", traceback.format_exc(), 0.0))
            say("FAIL driver [%s]: %s" % (store, traceback.format_exc()))
    # The stores are separate processes and every client talks to one of them: their matrices
    # run side by side (one thread each), which keeps both within the time one took serially.
    threads = [threading.Thread(target=run_store, args=store) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    order = [store for store, _ in stores]
    results.sort(key=lambda r: order.index(r.store))  # stable: each store's cases in run order
    os.makedirs(args.results, exist_ok=True)
    counts = write_junit(results, os.path.join(args.results, "crosslang.xml"), prepared)
    for store, _ in stores:
        print_matrix(store, list(commands), results)
    print("(cell = exchanges of that pair: raw, large, arrow, many, stream)")
    print("crosslang: %d passed, %d failed, %d skipped" % (counts["pass"], counts["fail"], counts["skip"]))
    print("crosslang: driver wall time %.0f s" % (time.monotonic() - started))
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
