"""Work split over forked processes: loading files, checking documents.

A large tree is linted by ``jobs`` processes: the linter forks after it has what every
part needs (the file list; later the loaded and indexed set), each child does one
contiguous part and sends its result back pickled through a pipe, and the parent does
the first part itself, then merges the parts in order.  The merge is written so that
the run says exactly what a single process says (same findings, fingerprints, notes,
order).

Forking only happens where it is cheap and safe: on Linux (``os.fork``; macOS and
Windows run in one process), when more than one CPU is usable, and for inputs large
enough to pay for it (``MIN_BYTES``, ``MIN_DOCUMENTS``).  Nothing in a child reaches
the outside world: it writes no file and no output, and ends with ``os._exit``.  A part
whose child fails for any reason (killed, a result that cannot be pickled, a short
read) is done again by the parent, so the worst case is the single-process time.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys

# below these, one process: forking, pickling and merging cost more than they save
MIN_BYTES = 1 << 20  # characters of input before loading is split
MIN_DOCUMENTS = 400  # documents before checking is split
ENV = "INFERGW_LINT_JOBS"  # a number of processes, for tests and benchmarks ("1": never fork)


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def jobs(requested: int | None) -> int:
    """Processes to use: ``requested`` (``--jobs``; 0 or None = as many as usable CPUs,
    at most 8), else $INFERGW_LINT_JOBS; 1 where forking is not available."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return 1
    if requested is None or requested == 0:
        env = os.environ.get(ENV, "")
        requested = int(env) if env.isdigit() else 0
    if requested <= 0:
        requested = min(usable_cpus(), 8)
    return max(1, requested)


def split(weights: list[int], parts: int) -> list[tuple[int, int]]:
    """Contiguous (start, end) ranges over ``weights`` with about equal sums: at most
    ``parts`` ranges, none empty, together covering every index in order."""
    n = len(weights)
    if n == 0:
        return []
    if not any(weights):
        weights = [1] * n
    parts = max(1, min(parts, n))
    total = sum(weights)
    out: list[tuple[int, int]] = []
    start = acc = 0
    for i, w in enumerate(weights[:-1]):
        acc += w
        if len(out) < parts - 1 and acc * parts >= total * (len(out) + 1):
            out.append((start, i + 1))
            start = i + 1
    out.append((start, n))
    return out


def fork_map(fn, parts: list, first_in_parent: bool = True) -> list:
    """``[fn(p) for p in parts]``, the parts after the first computed in forked children
    at the same time as the parent computes the first.  A child's exception, or any
    failure to get its result back, makes the parent compute that part itself."""
    if len(parts) <= 1:
        return [fn(p) for p in parts]
    children = []  # (pid, read fd) per part after the first
    for part in parts[1:]:
        r, w = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: the parent does it
            os.close(r)
            os.close(w)
            children.append(None)
            continue
        if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow a fork)
            os.close(r)
            _child(fn, part, w)
        os.close(w)
        children.append((pid, r))
    results = [fn(parts[0])]
    for part, child in zip(parts[1:], children):
        got = _collect(child) if child is not None else None
        results.append(got[0] if got is not None else fn(part))
    return results


def _child(fn, part, fd: int) -> None:  # pragma: no cover - runs in the child
    code = 1
    try:
        gc.disable()  # a short life: no collections, and no page of the parent's heap touched for them
        data = pickle.dumps(fn(part), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        code = 0
    except BaseException:  # noqa: BLE001 - the parent computes this part again
        pass
    finally:
        os._exit(code)


def _collect(child) -> tuple | None:
    """(result,) of a child, or None when it failed."""
    pid, fd = child
    chunks = []
    try:
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        chunks = None
    finally:
        os.close(fd)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:  # pragma: no cover - reaped elsewhere
        status = 1
    if chunks is None or status != 0:
        return None
    try:
        return (pickle.loads(b"".join(chunks)),)
    except Exception:  # noqa: BLE001 - a short or damaged result: the parent does the part
        return None
