"""The bundled plasma-store: start_plasma_store() (as pyarrow.plasma's) and a command line.

    python -m plasmasharp.store -m BYTES -s SOCKET [-d DIRECTORY] [-h] [--socket-mode OCTAL]

runs the bundled executable with the same flags as `plasma-store` / the real `plasma-store-server`.
"""
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

from . import _locate

STARTUP_TIMEOUT_S = 10.0


def store_executable():
    """Path of the bundled plasma-store (see plasmasharp._locate for the search order)."""
    return _locate.find(_locate.STORE_NAME)


@contextlib.contextmanager
def start_plasma_store(plasma_store_memory, use_valgrind=False, use_profiler=False,
                       plasma_directory=None, use_hugepages=False, external_store=None):
    """Start the bundled plasma store in a fresh temp folder; yields (socket_name, process) and
    stops it on exit. Returns once the store accepts connections (RuntimeError if it exits).

    external_store is the store's -e URL, where eviction spills objects: "hashtable://NAME" (as
    pyarrow's) or "file://DIRECTORY" (files; PlasmaSharp's store only). The store also stops by
    itself if this process dies without leaving the with-block (killed): --exit-with-parent."""
    if use_valgrind and use_profiler:
        raise Exception("Cannot use valgrind and profiler at the same time.")
    tmpdir = tempfile.mkdtemp(prefix="plasmasharp-store-")
    proc = None
    try:
        socket_name = os.path.join(tmpdir, "plasma.sock")
        command = [store_executable(), "-s", socket_name, "-m", str(int(plasma_store_memory))]
        if plasma_directory:
            command += ["-d", plasma_directory]
        if use_hugepages:
            command += ["-h"]
        if external_store is not None:
            command += ["-e", external_store]
        command += ["--exit-with-parent=%d" % os.getpid()]
        if use_valgrind:
            command = ["valgrind", "--track-origins=yes", "--leak-check=full", "--error-exitcode=1"] + command
        elif use_profiler:
            command = ["valgrind", "--tool=callgrind"] + command
        proc = subprocess.Popen(command)
        _wait_until_listening(proc, socket_name)
        yield socket_name, proc
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmpdir, ignore_errors=True)


def _wait_until_listening(proc, socket_name):
    # The store creates its socket file once it listens; poll for it (no fixed sleep).
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not os.path.exists(socket_name):
        code = proc.poll()
        if code is not None:
            raise RuntimeError("plasma_store exited unexpectedly with code %d" % code)
        if time.monotonic() > deadline:
            raise RuntimeError("plasma_store did not listen on %s within %.0f s" % (socket_name, STARTUP_TIMEOUT_S))
        time.sleep(0.005)


def main(argv=None):
    """Replaces this process with the bundled store (signals and exit code are the store's)."""
    args = sys.argv[1:] if argv is None else argv
    executable = store_executable()
    os.execv(executable, [executable] + list(args))


if __name__ == "__main__":
    main()
