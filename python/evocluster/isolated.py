"""h5py parses a checkpoint's bytes in a forked child first, bounded in memory and time.

HDF5 1.10.8 (Debian 12), which h5py wraps, loops forever, overflows a buffer or reserves
gigabytes on some resealed files (docs/checkpoint-format.md, "What a reader refuses"). As
evocluster's own reader does, the bytes are parsed first in a child process; only when that
parse ends with a verdict are they parsed again in this process, deterministic on the same
bytes. A parse that hangs, crashes or outgrows its budget refuses the file.
"""

import os
import resource
import select
import signal
import time

_MIB = 1 << 20


def _budget(size):
    return 8 * size + 512 * _MIB


def _deadline(size):
    return 5.0 + size / 20e6


def _child(write_end, parse, size):
    try:
        with open("/proc/self/statm") as statm:
            in_use = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap = in_use + _budget(size)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        for fault in (signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL,
                      signal.SIGABRT):
            signal.signal(fault, signal.SIG_DFL)
        verdict = b"A"
        try:
            parse()
        except MemoryError:
            verdict = b"M"
        except Exception as error:  # the parse's own refusal: its message goes back
            verdict = b"R" + str(error).encode("utf-8", "replace")
        os.write(write_end, verdict)
    finally:
        os._exit(0)


def check_in_child(parse, size):
    """Runs `parse()` on `size` bytes in a forked child. Returns None when it returned, the
    message of the exception it raised, or raises RuntimeError naming why no verdict came
    (hang, crash, memory)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        _child(write_end, parse, size)
    os.close(write_end)
    deadline = time.monotonic() + _deadline(size)
    chunks = []
    timed_out = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([read_end], [], [], min(left, 1.0))
            if not ready:
                continue
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise RuntimeError(f"the parse did not finish within {_deadline(size):.0f} s")
    verdict = b"".join(chunks)
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        raise RuntimeError(f"the parse crashed (signal {number}, {signal.strsignal(number)})")
    if not verdict:
        raise RuntimeError(f"the parse ended with exit status {os.WEXITSTATUS(status)} and "
                           "no verdict")
    if verdict[:1] == b"M":
        raise RuntimeError(f"the parse needed more than its {_budget(size) // _MIB} MiB of memory")
    if verdict[:1] == b"R":
        return verdict[1:].decode("utf-8", "replace")
    return None
