"""Work split over forked processes: loading files, checking documents.

A large tree is linted by ``jobs`` processes.  The linter forks after it has what every
part needs (the file list; later the loaded and indexed set); the work is cut into
contiguous parts, which the parent and its children take one by one from a queue, in
order; each child pickles each part as soon as it is done and hands it over through a
file in memory, which the parent reads between its own parts, and the parent merges
every part in order.  The merge is written so that the run says exactly what a
single process says (same findings, fingerprints, notes, order).

Forking only happens where it is cheap and safe: on Linux (``os.fork``; macOS and
Windows run in one process), in a process without threads, when more than one usable
CPU is idle, and for inputs large enough to pay for it (``MIN_BYTES``,
``MIN_DOCUMENTS``).  Nothing in a child reaches the outside world: it writes no file
(but the anonymous one in memory its parent gave it) and no output, and ends with
``os._exit``.  A part whose child fails for any reason (killed, a result that cannot
be pickled or unpickled, a short write) is done again by the parent, so the worst case
is the single-process time.
"""

from __future__ import annotations

import gc
import os
import sys

# below these, one process: forking, pickling and merging cost more than they save
MIN_BYTES = 1 << 20  # characters of input before loading is split
MIN_DOCUMENTS = 400  # documents before checking is split
PARTS_PER_PROCESS = 8  # parts a split makes for each process: a slow process takes fewer
TAPER_FLOOR = 32  # split_tapered: its last parts hold 1/(32 x processes) of the work
LEAD_SHARE = 8  # split_after_lead: the lead part is about 1/8 of the weight of the others
ENV = "INFERGW_LINT_JOBS"  # a number of processes, for tests and benchmarks ("1": never fork)


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity mask, capped by a cgroup CPU quota
    (a container limited to 1.5 CPUs on a 16-CPU host has 1 to use)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        n = os.cpu_count() or 1
    quota = _cgroup_quota()
    if quota is not None:
        n = min(n, max(1, int(quota)))
    return n


def _cgroup_quota() -> float | None:
    """CPUs allowed by the cgroup CPU quota (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``),
    or None when there is none or it cannot be read."""
    for path, split_line in (("/sys/fs/cgroup/cpu.max", True), ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", False)):
        try:
            with open(path, encoding="ascii") as fh:
                text = fh.read(64).split()
            if split_line:  # "max 100000" or "150000 100000"
                quota, period = text[0], text[1]
            else:
                with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us", encoding="ascii") as fh:
                    quota, period = text[0], fh.read(64).strip()
            if quota in ("max", "-1"):
                return None
            return int(quota) / int(period) if int(period) > 0 and int(quota) > 0 else None
        except (OSError, ValueError, IndexError):
            continue
    return None


def idle_cpus(cpus: int) -> int:
    """Of ``cpus``, those no other task is running on at this moment (the runnable
    tasks in /proc/loadavg, this process among them); ``cpus`` when it cannot be read."""
    try:
        with open("/proc/loadavg", encoding="ascii") as fh:
            running = int(fh.read(128).split()[3].split("/")[0])
    except (OSError, ValueError, IndexError):
        return cpus
    return max(1, min(cpus, cpus - (running - 1)))


def _single_threaded() -> bool:
    """Is this process one thread?  A fork copies only the calling thread: a lock another
    thread holds (a Go runtime loaded to render Helm charts, a language server's threads)
    would stay locked in the child forever, so a process with threads never forks."""
    try:
        return len(os.listdir("/proc/self/task")) <= 1
    except OSError:  # pragma: no cover - no /proc
        import threading

        return threading.active_count() <= 1


def jobs(requested: int | None) -> int:
    """Processes to use: ``requested`` (``--jobs``), else $INFERGW_LINT_JOBS, else (0 or
    None: automatic) one per usable CPU that is idle now, at most 8 -- on a machine whose
    other CPUs are busy a second process only adds the cost of splitting; 1 where
    forking is not available or not safe (not Linux, or the process has threads)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork") or not _single_threaded():
        return 1
    if requested is None or requested == 0:
        env = os.environ.get(ENV, "")
        requested = int(env) if env.isdigit() else 0
    if requested <= 0:
        requested = idle_cpus(min(usable_cpus(), 8))
    return max(1, requested)


def split(weights: list[int], parts: int) -> list[tuple[int, int]]:
    """Contiguous (start, end) ranges over ``weights`` with about equal sums: at most
    ``parts`` ranges (and MAX_PARTS), none empty, together covering every index in order."""
    parts = min(parts, MAX_PARTS)
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


def split_tapered(weights: list[int], processes: int) -> list[tuple[int, int]]:
    """Contiguous (start, end) ranges over ``weights``, together covering every index in
    order, whose sums shrink: each takes 1/(2 x ``processes``) of the weight still left,
    down to 1/(TAPER_FLOOR x ``processes``) of the whole.  The processes take them in
    order, so what one is still doing when the queue runs dry -- the time the others wait
    at the end -- is a small part, while the early parts stay few and large (each part
    costs a pickle and a queue read).  At most MAX_PARTS ranges, none empty."""
    n = len(weights)
    if n == 0:
        return []
    if not any(weights):
        weights = [1] * n
    processes = max(1, processes)
    total = sum(weights)
    floor = total / (TAPER_FLOOR * processes)
    out: list[tuple[int, int]] = []
    start = acc = 0
    left = total
    target = max(left / (2 * processes), floor)
    for i, w in enumerate(weights[:-1]):
        acc += w
        if acc >= target and len(out) < MAX_PARTS - 2:
            out.append((start, i + 1))
            start, left, acc = i + 1, left - acc, 0
            target = max(left / (2 * processes), floor)
    out.append((start, n))
    return out


def split_after_lead(weights: list[int], processes: int, lead: int = LEAD_SHARE) -> list[tuple[int, int]]:
    """``split_tapered(weights, processes)`` preceded by a short first range of about
    1/``lead`` of a part's weight (a part: 1/PARTS_PER_PROCESS of a process's share): the
    part ``fork_map(first_here=True)`` computes alone before forking, where what matters is
    what it builds on the way (the tables every part reads), not its documents, which no
    other process can help with while it runs."""
    ranges = split(weights, max(1, processes) * PARTS_PER_PROCESS * lead)
    if len(ranges) <= 1:
        return ranges
    first = ranges[0]
    rest = [(a + first[1], b + first[1]) for a, b in split_tapered(weights[first[1]:], processes)]
    return [first] + rest


def fork_map(fn, parts: list, processes: int, first_here: bool = False, warm=None) -> list:
    """``[fn(p) for p in parts]``, computed by ``processes`` processes: this one and
    forked children.  Each process takes the next part not yet taken, in order (a pipe
    of part numbers is the queue), so a process slowed down by other work on the
    machine takes fewer parts; each therefore does its parts in increasing order.  A
    child sends each part as soon as it is done, and this process takes in what has
    arrived between its own parts: unpickling a child's results is work of this process
    that overlaps the children's, and the queue gives them more parts meanwhile; once
    the queue is empty, what is left to wait for and unpickle is about the children's
    last part.  A part a child took but did not deliver (it failed, was killed, sent a
    result that does not unpickle) is computed here.  ``first_here``: the first part is
    computed before forking, so that what it builds on the way (the lookup tables the
    rules build once per run) is built once, not once in each process.  ``warm``: a
    function this process calls once it has forked its children and before it takes
    parts (work a later phase needs, done while the children take parts: lint/warm.py);
    not called when no child runs beside it, and an exception it raises is ignored."""
    n = len(parts)
    processes = min(processes, n - 1 if first_here else n)
    if processes <= 1 or n > MAX_PARTS:  # (the queue is written whole before any process reads it)
        return [fn(p) for p in parts]
    import pickle  # noqa: F401 - before forking, for the children and _received; not at the top: a small run never needs it

    # No collections in this process while it computes and takes in parts (the children
    # make none either): they would only visit, again and again, the results made and
    # unpickled here, which live on to the report (10,000 documents: 7 young-generation
    # passes, ~20 ms; the 10 MB file: 13 and an older-generation pass, ~130 ms).  After,
    # what is tracked is frozen (out of the collector's sight; reference counting still
    # frees it) rather than left young for the next pass to visit at once.  A garbage
    # cycle made meanwhile stays, as in a child: the same peak memory on both inputs.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _fork_map(fn, parts, processes, first_here, warm)
    finally:
        if gc_was_enabled:
            gc.freeze()
            gc.enable()


def _fork_map(fn, parts: list, processes: int, first_here: bool, warm) -> list:
    """fork_map's work, with the collector paused."""
    n = len(parts)
    results: dict = {}
    if first_here:
        results[0] = fn(parts[0])
    queue_r, queue_w = os.pipe()
    os.write(queue_w, b"".join(i.to_bytes(4, "little") for i in range(len(results), n)))  # n <= 1,024: fits
    os.close(queue_w)
    children: list[_Child] = []
    for _ in range(processes - 1):
        try:
            store = os.memfd_create("infergw-lint-parts", os.MFD_CLOEXEC)
        except (AttributeError, OSError):  # no memfd (old kernel, sandbox): fewer children
            break
        r, w = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to spare: fewer children
            for fd in (r, w, store):
                os.close(fd)
            break
        if pid == 0:  # pragma: no cover - runs in the child (coverage does not follow a fork)
            os.close(r)
            _child(fn, parts, queue_r, w, store)
        os.close(w)
        os.set_blocking(r, False)
        children.append(_Child(pid, r, store))
    try:
        if warm is not None and children:
            try:
                warm()
            except Exception:  # noqa: BLE001 - whatever it did not do is done later, when needed
                pass
        for i in _taken(queue_r):
            results[i] = fn(parts[i])
            for child in children:
                results.update(_received(child))
    finally:
        os.close(queue_r)
        for child in children:
            results.update(_collect(child))
    return [results[i] if i in results else fn(parts[i]) for i in range(n)]


MAX_PARTS = 1024  # the queue of part numbers must fit in a pipe's buffer (4 bytes each)
RECORD = 12  # a delivery said on a child's pipe: part number (4 bytes), size of its pickle (8)


def _taken(queue: int):
    """Part numbers taken from the queue, until it is empty."""
    while True:
        try:
            got = os.read(queue, 4)  # a read of 4 bytes from a pipe is not split between readers
        except OSError:  # pragma: no cover
            return
        if len(got) < 4:
            return
        yield int.from_bytes(got, "little")


class _Child:
    """A forked child as the parent sees it.  The child writes each finished part's
    pickle to ``store``, a file in memory (memfd), one after the other, then says so on
    ``pipe`` (part number, size).  Writing to a file never blocks, so a child whose
    results outgrow a pipe's buffer still takes parts while the parent is busy with one
    of its own; the records are small (12 bytes; 1,024 parts fill 12 KB of a pipe's
    64 KB), and a record is written only once its pickle is whole.  ``offset``: where
    the next pickle starts; ``pending``: a record read in part."""

    __slots__ = ("pid", "pipe", "store", "offset", "pending")

    def __init__(self, pid: int, pipe: int, store: int):
        self.pid, self.pipe, self.store = pid, pipe, store
        self.offset = 0
        self.pending = b""


def _child(fn, parts, queue: int, fd: int, store: int) -> None:  # pragma: no cover - runs in the child
    """Compute the parts taken from ``queue``; deliver each as soon as it is done: its
    pickle written whole to ``store``, then its record (part number, size) to ``fd``.
    A record of 12 bytes is one write, never split, and the parent reads the pipe
    between its own parts, so the pipe does not stay full."""
    import pickle

    code = 1
    try:
        gc.disable()  # a short life: no collections, and no page of the parent's heap touched for them
        # One pickler for every part, writing into the file as it goes (a frame of ~64 KB
        # at a time): its table of the objects already written keeps its size from part
        # to part, as its output does, where pickle.dumps made both anew for each part --
        # a few MB for a large part, fresh pages the kernel had to zero every time.
        out = _Store(store)
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        for i in _taken(queue):
            start = out.size
            pickler.dump(fn(parts[i]))
            pickler.clear_memo()  # each part is unpickled on its own
            os.write(fd, i.to_bytes(4, "little") + (out.size - start).to_bytes(8, "little"))
        code = 0
    except BaseException:  # noqa: BLE001 - the parent computes the parts this child took
        pass
    finally:
        os._exit(code)


class _Store:  # pragma: no cover - used in the child
    """The child's end of its memory file, as the file a pickler writes to: each write
    whole (a write to a file is not cut short but by an error, which ends the child);
    ``size``: what was written."""

    __slots__ = ("fd", "size")

    def __init__(self, fd: int):
        self.fd, self.size = fd, 0

    def write(self, data) -> int:
        view = memoryview(data)
        n = len(view)
        while view:
            view = view[os.write(self.fd, view):]
        self.size += n
        return n


def _received(child: _Child, wait: bool = False) -> dict:
    """{part number: result} of the parts ``child`` delivered since the last call: those
    said on its pipe so far, or with ``wait``, every one until the child has ended (its
    end of the pipe closed).  A part whose pickle is short or does not unpickle is left
    out: the parent computes it again."""
    import pickle

    out: dict = {}
    if wait:
        os.set_blocking(child.pipe, True)
    while True:
        try:
            got = os.read(child.pipe, 1 << 16)
        except BlockingIOError:  # nothing more for now
            break
        except OSError:  # pragma: no cover
            break
        if not got:  # the child has ended
            break
        data = child.pending + got
        at = 0
        while at + RECORD <= len(data):
            i = int.from_bytes(data[at:at + 4], "little")
            size = int.from_bytes(data[at + 4:at + RECORD], "little")
            at += RECORD
            blob = _read_at(child.store, size, child.offset)
            child.offset += size
            if len(blob) != size:
                continue
            try:
                out[i] = pickle.loads(blob)
            except Exception:  # noqa: BLE001 - a damaged result: the parent does the part
                continue
        child.pending = data[at:]
    return out


def _read_at(fd: int, size: int, offset: int) -> bytes:
    """``size`` bytes of ``fd`` from ``offset`` (fewer where the file ends sooner)."""
    chunks = []
    while size > 0:
        try:
            chunk = os.pread(fd, size, offset)
        except OSError:  # pragma: no cover
            break
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
        offset += len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _collect(child: _Child) -> dict:
    """{part number: result} of what ``child`` delivered and the parent has not taken in
    yet, once it has ended (called when the queue is empty); then it is reaped and its
    pipe and file closed."""
    try:
        return _received(child, wait=True)
    finally:
        os.close(child.pipe)
        os.close(child.store)
        try:
            os.waitpid(child.pid, 0)
        except ChildProcessError:  # pragma: no cover - reaped elsewhere
            pass
