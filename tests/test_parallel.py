"""Linting split over processes (lint/parallel.py) says exactly what one process says."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from infergw_lint import parallel
from infergw_lint.cli import main
from infergw_lint.engine import Options, run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "sample_manifests")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
REALWORLD = os.path.join(ROOT, "tests", "realworld")

forks = pytest.mark.skipif(parallel.jobs(2) == 1, reason="splitting over processes is Linux only")


def test_split_is_contiguous_balanced_and_complete():
    assert parallel.split([], 2) == []
    assert parallel.split([5], 4) == [(0, 1)]
    assert parallel.split([1, 1, 1, 1], 2) == [(0, 2), (2, 4)]
    assert parallel.split([10, 1, 1, 1, 1, 1], 2) == [(0, 1), (1, 6)]
    assert parallel.split([0, 0, 0, 0], 2) == [(0, 2), (2, 4)]
    for weights in ([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], [1] * 7, [100, 1, 1], [1, 1, 100]):
        for n in (1, 2, 3, 8):
            parts = parallel.split(weights, n)
            assert parts[0][0] == 0 and parts[-1][1] == len(weights)
            assert all(a < b for a, b in parts)
            assert all(parts[i][1] == parts[i + 1][0] for i in range(len(parts) - 1))
            assert len(parts) <= n


def test_split_tapered_shrinks_its_parts_and_covers_everything():
    assert parallel.split_tapered([], 2) == []
    assert parallel.split_tapered([5], 2) == [(0, 1)]
    assert parallel.split_tapered([0, 0, 0, 0], 2)[-1][1] == 4
    parts = parallel.split_tapered([1] * 10000, 2)
    sizes = [b - a for a, b in parts]
    assert sizes[0] == 2500  # a quarter of the work: half of what each of two processes does
    assert all(x >= y for x, y in zip(sizes, sizes[1:]))  # never larger than the one before
    assert max(sizes[-3:]) <= 10000 // (parallel.TAPER_FLOOR * 2) + 1  # the last: 1/64 of the whole
    assert len(parts) <= 20
    for weights in ([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], [1] * 7, [100, 1, 1], [1, 1, 100], [1] * 5000, [7] * 100_000):
        for processes in (1, 2, 3, 8, 64):
            parts = parallel.split_tapered(weights, processes)
            assert parts[0][0] == 0 and parts[-1][1] == len(weights)
            assert all(a < b for a, b in parts)
            assert all(parts[i][1] == parts[i + 1][0] for i in range(len(parts) - 1))
            assert len(parts) <= parallel.MAX_PARTS - 1


def test_split_after_lead_starts_with_a_short_part():
    assert parallel.split_after_lead([], 2) == []
    assert parallel.split_after_lead([5], 2) == [(0, 1)]
    weights = [1] * 1000
    parts = parallel.split_after_lead(weights, 2)
    # the lead: an eighth of a part, a part being 1/PARTS_PER_PROCESS of a process's share
    assert parts[0] == (0, -(-1000 // (2 * parallel.PARTS_PER_PROCESS * parallel.LEAD_SHARE)))
    assert parts[1:] == [(a + parts[0][1], b + parts[0][1]) for a, b in parallel.split_tapered(weights[parts[0][1]:], 2)]
    for weights in ([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5], [1] * 7, [100, 1, 1], [1, 1, 100], [1] * 5000):
        for n in (1, 2, 3, 8, 16, 2000):
            parts = parallel.split_after_lead(weights, n)
            assert parts[0][0] == 0 and parts[-1][1] == len(weights)
            assert all(a < b for a, b in parts)
            assert all(parts[i][1] == parts[i + 1][0] for i in range(len(parts) - 1))
            assert len(parts) <= parallel.MAX_PARTS


def test_jobs_asked_and_auto(monkeypatch):
    monkeypatch.delenv(parallel.ENV, raising=False)
    if parallel.jobs(4) == 1:
        pytest.skip("splitting over processes is Linux only")
    assert parallel.jobs(1) == 1
    assert parallel.jobs(3) == 3
    assert 1 <= parallel.jobs(None) <= 8
    monkeypatch.setenv(parallel.ENV, "1")
    assert parallel.jobs(None) == 1
    assert parallel.jobs(2) == 2  # --jobs wins over the environment


@forks
def test_fork_map_keeps_order_and_redoes_a_failed_part():
    parent = os.getpid()
    assert parallel.fork_map(lambda x: (x, x * x), [1, 2, 3, 4], 2) == [(1, 1), (2, 4), (3, 9), (4, 16)]
    assert parallel.fork_map(lambda x: x * 2, list(range(50)), 3) == [x * 2 for x in range(50)]
    assert parallel.fork_map(lambda x: x, [5], 4) == [5]
    assert parallel.fork_map(lambda x: x, [], 4) == []
    assert parallel.fork_map(lambda x: -x, [1, 2, 3], 2, first_here=True) == [-1, -2, -3]
    assert parallel.fork_map(lambda x: -x, [1, 2], 2, first_here=True) == [-1, -2]

    def fails_in_a_child(x):
        if os.getpid() != parent and x == 3:
            raise RuntimeError("a child fails")
        return x + 100

    assert parallel.fork_map(fails_in_a_child, [1, 2, 3, 4, 5], 3) == [101, 102, 103, 104, 105]

    def unpicklable_in_a_child(x):
        return (lambda: x) if os.getpid() != parent else x

    assert parallel.fork_map(unpicklable_in_a_child, [7, 8, 9], 2) == [7, 8, 9]

    def dies(x):
        if os.getpid() != parent:
            os._exit(3)
        return -x

    assert parallel.fork_map(dies, [1, 2, 3], 2) == [-1, -2, -3]


def _report(paths, jobs, monkeypatch) -> dict:
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_DOCUMENTS", 0)
    split_over: list = []
    fork_map = parallel.fork_map

    def spied(fn, parts, processes, **kwargs):
        split_over.append(processes)
        return fork_map(fn, parts, processes, **kwargs)

    monkeypatch.setattr(parallel, "fork_map", spied)
    result = run(paths, Options(jobs=jobs))
    if jobs > 1:  # it did split (a thread left by another test would keep it in one process)
        assert len(split_over) == 2 and min(split_over) == jobs
    return {
        "findings": [f.to_json() for f in result.findings],
        "notes": result.notes,
        "internal": result.internal_errors,
        "files": result.files,
        "resources": result.resources,
    }


@forks
@pytest.mark.parametrize("jobs", [2, 3])
def test_same_findings_as_one_process(jobs, monkeypatch):
    trees = [SAMPLES, FIXTURES] + ([REALWORLD] if os.path.isdir(REALWORLD) else [])
    one = _report(trees, 1, monkeypatch)
    split = _report(trees, jobs, monkeypatch)
    assert len(one["findings"]) > 500
    assert split == one


@forks
def test_repeated_resources_keep_their_occurrence_numbers(tmp_path, monkeypatch):
    """Copies of one resource across parts: each finding's fingerprint counts the copies
    in earlier parts, as one process counts them."""
    bad = os.path.join(SAMPLES, "bad")
    texts = []
    for name in sorted(os.listdir(bad)):
        if name.endswith(".yaml"):
            with open(os.path.join(bad, name), encoding="utf-8") as fh:
                texts.append(fh.read())
    for i in range(6):  # six files, each every bad document: the same identities again
        (tmp_path / f"copy{i}.yaml").write_text("\n---\n".join(texts), encoding="utf-8")
    one = _report([str(tmp_path)], 1, monkeypatch)
    split = _report([str(tmp_path)], 3, monkeypatch)
    fps = [f["fingerprint"] for f in one["findings"]]
    assert len(set(fps)) == len(fps)  # the occurrence number tells the copies apart
    assert split == one


@forks
def test_command_splits_by_default_and_says_the_same(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_DOCUMENTS", 0)
    outs = {}
    for jobs in ("1", None):
        out = tmp_path / f"j{jobs}.json"
        args = ["--format", "json", "-o", str(out), SAMPLES] + (["--jobs", jobs] if jobs else [])
        assert main(args) == 1
        outs[jobs] = json.loads(out.read_text(encoding="utf-8"))
    assert outs["1"] == outs[None]


@pytest.mark.parametrize("bad", ["x", "-1", "65", ""])
def test_jobs_flag_refuses_what_is_not_a_count(bad, capsys):
    assert main(["--jobs", bad, SAMPLES]) == 2
    assert "number of processes" in capsys.readouterr().err


def test_small_sets_stay_in_one_process(monkeypatch):
    calls = []
    monkeypatch.setattr(parallel, "fork_map", lambda fn, parts, n, **_: calls.append(parts) or [fn(p) for p in parts])
    run([os.path.join(SAMPLES, "good")], Options(jobs=4))
    assert calls == []  # below MIN_BYTES and MIN_DOCUMENTS


@pytest.mark.skipif(sys.platform.startswith("linux"), reason="elsewhere only")
def test_one_process_where_fork_is_not_used():  # pragma: no cover - not Linux
    assert parallel.jobs(4) == 1


def _fake_files(monkeypatch, files: dict):
    import io

    def fake_open(path, *args, **kwargs):
        if path not in files:
            raise FileNotFoundError(path)
        return io.StringIO(files[path])

    monkeypatch.setattr(parallel, "open", fake_open, raising=False)


@pytest.mark.parametrize("files, want", [
    ({"/sys/fs/cgroup/cpu.max": "150000 100000\n"}, 1.5),
    ({"/sys/fs/cgroup/cpu.max": "max 100000\n"}, None),
    ({"/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "200000\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"}, 2.0),
    ({"/sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n", "/sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"/sys/fs/cgroup/cpu.max": "garbage"}, None),
    ({}, None),
])
def test_cgroup_cpu_quota(files, want, monkeypatch):
    _fake_files(monkeypatch, files)
    assert parallel._cgroup_quota() == want


@pytest.mark.parametrize("loadavg, cpus, want", [
    ("0.10 0.20 0.30 1/120 999\n", 2, 2),  # only this process runs
    ("1.90 1.20 0.30 2/120 999\n", 2, 1),  # another task has the other CPU
    ("3.00 3.00 3.00 5/120 999\n", 4, 1),
    ("3.00 3.00 3.00 2/120 999\n", 8, 7),
    ("nonsense", 4, 4),
])
def test_idle_cpus(loadavg, cpus, want, monkeypatch):
    _fake_files(monkeypatch, {"/proc/loadavg": loadavg})
    assert parallel.idle_cpus(cpus) == want


@forks
def test_a_child_with_large_results_keeps_taking_parts():
    """A part's result larger than a pipe's buffer must not stop its child from taking
    the next part (it once wrote each result at once and blocked until the parent read)."""
    import time

    parent = os.getpid()

    def work(i):
        if os.getpid() == parent:
            time.sleep(0.05)  # the parent is slow: the child should take most parts
        return os.getpid(), "x" * 200_000

    got = parallel.fork_map(work, list(range(12)), 2)
    assert all(len(payload) == 200_000 for _, payload in got)
    by_child = [pid for pid, _ in got if pid != parent]
    assert len(by_child) >= 2


class _Gate:
    """Holds the parent's first part until a child reaches a given part of its own (or
    ends), and that child there until the parent has passed: what the child has done by
    then does not depend on timing (tests of the delivery without a timed wait).  The
    child cannot take every part before the parent takes one, as long as parts remain
    after the one it waits in."""

    def __init__(self):
        self.r, self.w = os.pipe()  # child -> parent
        self.back_r, self.back_w = os.pipe()  # parent -> child
        self.parent = os.getpid()
        self.first = None  # the first part the parent took

    def parent_waits(self, x):
        if self.first is None:
            self.first = x
            os.close(self.w)  # the child's copy stays: the read below ends when it writes or ends
            os.read(self.r, 1)
            os.close(self.r)
            os.write(self.back_w, b"x")
            os.close(self.back_w)

    def open(self, wait=True):  # in the child
        os.write(self.w, b"x")
        if wait:
            os.read(self.back_r, 1)

    def childs_parts(self, n):
        """The parts the child took first, in order: every part but the parent's first."""
        return [x for x in range(n) if x != self.first]


class _Unloadable:
    """Pickles, but does not unpickle (int("not a number") raises)."""

    def __reduce__(self):
        return int, ("not a number",)


def _split_work(gate, at, child_does, wait=True):
    """fn for fork_map: the parent's parts return (x, "parent") and are counted in
    ``mine``; a child's k-th part (from 1) returns child_does(k, x), and opens the gate
    at its ``at``-th part (``wait``: and waits there until the parent has passed it)."""
    mine: list = []
    theirs: list = []

    def work(x):
        if os.getpid() == gate.parent:
            gate.parent_waits(x)
            mine.append(x)
            return x, "parent"
        theirs.append(x)
        if len(theirs) == at:
            gate.open(wait)
        return child_does(len(theirs), x)

    return work, mine


@forks
def test_a_child_killed_midway_leaves_only_its_undelivered_part_to_the_parent():
    import signal

    gate = _Gate()

    def child_does(k, x):
        if k == 3:  # its third part: the first two delivered, this one never
            os.kill(os.getpid(), signal.SIGKILL)
        return x, "child"

    work, mine = _split_work(gate, 3, child_does, wait=False)
    got = parallel.fork_map(work, list(range(8)), 2)
    first, second, third = gate.childs_parts(8)[:3]
    assert [x for x, _ in got] == list(range(8))
    assert [x for x, who in got if who == "child"] == [first, second]
    assert sorted(mine) == [x for x in range(8) if x not in (first, second)]  # each once
    assert mine[-1] == third  # done again at the end, after the parent's own parts


_SHARED = ["in", "every", "part"]


@forks
def test_parts_of_one_child_unpickle_on_their_own():
    """A child pickles every part with one pickler (its table of objects already written
    kept in size, emptied after each part): an object in several parts is sent whole in
    each, so every part the child delivers unpickles alone and none is done again."""
    gate = _Gate()
    work, mine = _split_work(gate, 3, lambda k, x: (x, "child", _SHARED, "y" * 100_000))
    got = parallel.fork_map(work, list(range(8)), 2)
    first, second, third = gate.childs_parts(8)[:3]
    assert [r[0] for r in got] == list(range(8))
    assert [got[x][1] for x in (first, second, third)] == ["child"] * 3
    assert all(got[x][2] == _SHARED and len(got[x][3]) == 100_000 for x in (first, second, third))
    assert sorted(mine) == sorted(set(mine)) and not {first, second, third} & set(mine)


@forks
def test_a_result_that_fails_to_pickle_halfway_is_done_by_the_parent():
    """A part whose pickling fails after the pickler has written a part of it to the file
    (a large string first, then what cannot be pickled) ends the child: what it delivered
    before is kept, the bytes written for the failed part are never read."""
    gate = _Gate()

    def child_does(k, x):
        if k == 3:
            return x, "child", "z" * 300_000, lambda: None  # a lambda does not pickle
        return x, "child"

    work, mine = _split_work(gate, 3, child_does, wait=False)
    got = parallel.fork_map(work, list(range(8)), 2)
    first, second, third = gate.childs_parts(8)[:3]
    assert [r[0] for r in got] == list(range(8))
    assert [got[x][1] for x in (first, second)] == ["child", "child"]
    assert got[third][1] == "parent" and third in mine
    assert sorted(mine) == [x for x in range(8) if x not in (first, second)]


@forks
def test_a_result_that_does_not_unpickle_is_done_again_alone():
    gate = _Gate()
    work, mine = _split_work(gate, 4, lambda k, x: _Unloadable() if k == 2 else (x, "child"))
    got = parallel.fork_map(work, list(range(10)), 2)
    first, second, third, fourth = gate.childs_parts(10)[:4]
    assert [x for x, _ in got] == list(range(10))
    assert [got[x][1] for x in (first, second, third, fourth)] == ["child", "parent", "child", "child"]
    assert sorted(mine) == sorted(set(mine)) and second in mine
    assert all(got[x][1] == "parent" for x in mine)


@forks
def test_many_small_parts_through_a_pipe_that_fills(monkeypatch):
    """1,024 parts; the pipe on which a child says what it delivered holds a page (341
    deliveries): the child waits while the parent is busy, and nothing is lost."""
    import fcntl

    pipe = os.pipe

    def small_pipe():
        r, w = pipe()
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
        return r, w

    monkeypatch.setattr(os, "pipe", small_pipe)
    gate = _Gate()
    work, mine = _split_work(gate, 300, lambda k, x: (x, "child"))
    n = parallel.MAX_PARTS
    got = parallel.fork_map(work, list(range(n)), 2)
    assert [x for x, _ in got] == list(range(n))
    by_child = [x for x, who in got if who == "child"]
    assert by_child[:300] == gate.childs_parts(n)[:300]
    assert sorted(mine + by_child) == list(range(n))


@forks
def test_a_part_larger_than_a_pipe_is_delivered_while_the_parent_works():
    try:
        with open("/proc/sys/fs/pipe-max-size", encoding="ascii") as fh:
            pipe_max = int(fh.read())
    except (OSError, ValueError):
        pipe_max = 1 << 20
    big = "y" * min(2 * pipe_max + 1, 64 << 20)
    gate = _Gate()
    work, mine = _split_work(gate, 3, lambda k, x: (x, "child", big if k <= 2 else ""))
    got = parallel.fork_map(work, list(range(6)), 2)
    first, second = gate.childs_parts(6)[:2]
    assert got[first] == (first, "child", big) and got[second] == (second, "child", big)
    assert [r[0] for r in got] == list(range(6)) and not set(mine) & {first, second}


@forks
def test_no_memory_file_no_child(monkeypatch):
    """Where a memory file cannot be made (an old kernel, a sandbox), no child is forked
    and this process computes every part."""
    parent = os.getpid()

    def refused(*_):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "memfd_create", refused)
    assert parallel.fork_map(lambda x: (x, os.getpid()), [1, 2, 3], 2) == [(1, parent), (2, parent), (3, parent)]


@forks
def test_fork_map_pauses_the_collector_and_gives_it_back():
    import gc

    parent = os.getpid()
    seen: list = []

    def work(x):
        if os.getpid() == parent:
            seen.append(gc.isenabled())
        return -x

    assert gc.isenabled()
    assert parallel.fork_map(work, list(range(6)), 2, first_here=True) == [-x for x in range(6)]
    assert gc.isenabled() and seen and not any(seen)
    seen.clear()
    assert parallel.fork_map(work, [1], 2) == [-1]  # one process: left as it was
    assert seen == [True]
    gc.disable()  # as the loader has it: still off after
    try:
        assert parallel.fork_map(work, list(range(6)), 2) == [-x for x in range(6)]
        assert not gc.isenabled()
    finally:
        gc.enable()


@forks
def test_a_process_with_threads_never_forks():
    import threading

    stop = threading.Event()
    t = threading.Thread(target=stop.wait, daemon=True)
    t.start()
    try:
        assert parallel.jobs(4) == 1
        assert parallel.jobs(None) == 1
    finally:
        stop.set()
        t.join()


def _load_text(tmp_path, name, text):
    from infergw_lint.loader import LoadResult, _load_file

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return _load_file(str(path), str(path), False, LoadResult())


def test_loaded_documents_survive_a_pickle_round_trip(tmp_path):
    """What a loading child sends back (documents released or not, embedded JSON, a file
    the documents share) is the same again in the parent: data, identity, positions."""
    import pickle

    from infergw_lint.document import Document

    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ai\ndata:\n"
        "  config.json: |\n    {\"providers\": {\"openai\": {\"keys\": []}}}\n---\n"
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata:\n  name: r\nspec:\n"
        "  rules:\n  - backendRefs:\n    - name: svc\n      port: 8080\n"
    )
    before = [_load_text(tmp_path, "a.yaml", text), _load_text(tmp_path, "b.json", '{"kind": "Service", "a": [1]}')]
    after = pickle.loads(pickle.dumps(before, protocol=pickle.HIGHEST_PROTOCOL))
    for old, new in zip(before, after):
        assert [(f.path, f.text, f.context_only) for f in new.files] == [(f.path, f.text, f.context_only) for f in old.files]
        assert len(new.documents) == len(old.documents) > 0
        for a, b in zip(old.documents, new.documents):
            assert b.source is new.files[0]  # one file object, as in the process that loaded it
            assert set(vars(b)) == set(vars(a))
            for name in vars(a):
                if name not in ("source", "node", "embedded", "duplicates"):
                    assert getattr(b, name) == getattr(a, name), name
            assert sorted(b.embedded) == sorted(a.embedded)
            for path in ((), ("metadata", "name"), ("data", "config.json", "providers", "openai"),
                         ("spec", "rules", 0, "backendRefs", 0, "port"), ("a", 0)):
                assert b.span(path) == a.span(path)
                assert b.get(*path) == a.get(*path)
            assert type(b.node) is type(a.node)  # composed again from the text when released


def test_a_document_without_a_tree_says_so():
    from infergw_lint.document import Document
    from infergw_lint.source import SourceFile

    doc = Document(SourceFile("x.yaml", "a: 1\n"), None, {"a": 1})
    assert doc.node is None
    del doc.__dict__["node"]  # released without a way to compose it again
    with pytest.raises(AttributeError):
        doc.node
    with pytest.raises(AttributeError):
        doc.no_such_attribute
    assert getattr(doc, "no_such_attribute", 7) == 7


@forks
def test_json_heads_made_by_the_checking_processes_give_the_same_report(monkeypatch):
    """A split run writing JSON makes each finding's JSON head while checking; its report
    is the one a single process writes, byte for byte."""
    from infergw_lint.reporters.json import render_json

    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "MIN_DOCUMENTS", 0)
    trees = [SAMPLES, FIXTURES] + ([REALWORLD] if os.path.isdir(REALWORLD) else [])
    one = run(trees, Options(jobs=1))
    split = run(trees, Options(jobs=2, json_heads=True))
    marked = [f for f in split.findings if getattr(f, "_json_head", None) is not None]
    if parallel.jobs(2) > 1:
        assert len(marked) > 0.9 * len(split.findings) > 400
    assert render_json(split) == render_json(one)


@forks
def test_loading_forks_before_the_rules_are_imported():
    """A split run's loading child needs no rule module: they are imported after it is
    forked (by the lead, while the child loads: engine.run's rule_set), not before, where
    nothing else runs; the checking child, forked later, has them."""
    code = (
        "import io, os, sys, contextlib\n"
        "from infergw_lint import parallel\n"
        "from infergw_lint.cli import main\n"
        "parallel.MIN_BYTES = parallel.MIN_DOCUMENTS = 0\n"
        "fork, seen = os.fork, []\n"
        "def counted():\n"
        "    seen.append(sum(m.startswith('infergw_lint.rules.igw') for m in sys.modules))\n"
        "    return fork()\n"
        "os.fork = counted\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    code = main(['--no-config', '--jobs', '2', {SAMPLES!r}])\n"
        "print(code, *seen)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    got = proc.stdout.split()
    assert got[0] == "1" and len(got) == 3, proc.stdout + proc.stderr
    assert got[1] == "0" and int(got[2]) > 40, got  # loading child: none; checking child: every rule


def test_the_index_lists_each_flavor_as_its_passes_did():
    """lint/index.py lists the resources, the other documents and the resources by kind in
    one pass: the same lists, in the same order, as a pass for each."""
    from infergw_lint.engine import load_index
    from infergw_lint.index import Index

    trees = [SAMPLES, FIXTURES] + ([REALWORLD] if os.path.isdir(REALWORLD) else [])
    docs = load_index(trees, Options(jobs=1)).ctx.index.documents
    index = Index(docs)
    assert index.resources == [d for d in docs if d.flavor == "k8s"] and len(index.resources) > 500
    assert index._others == [d for d in docs if d.flavor != "k8s"] and index._others
    by_kind: dict = {}
    for d in index.resources:
        by_kind.setdefault(d.kind, []).append(d)
    assert dict(index._by_kind) == by_kind


def test_a_raw_tree_is_one_world_of_checked_documents(tmp_path):
    """Files read raw only (nothing rendered, no --context): load_index takes every document
    as checked and as the one world without grouping them; with --context documents, these
    are grouped in and left out of the checked ones, as before."""
    from infergw_lint import render
    from infergw_lint.engine import load_index

    raw = load_index([SAMPLES], Options(jobs=1))
    docs = raw.loaded.documents
    assert raw.checked is docs and raw.ctx.index.documents == render.worlds(docs)[None] and not raw.contexts
    routes = os.path.join(SAMPLES, "good", "40-routes.yaml")
    with_context = load_index([routes], Options(jobs=1, context=[os.path.join(SAMPLES, "good")]))
    everything = with_context.loaded.documents
    assert [d.path for d in with_context.checked] == [d.path for d in everything if not d.source.context_only]
    assert len(with_context.checked) < len(everything) and with_context.checked
    assert with_context.ctx.index.documents == render.worlds(everything)[None]


@pytest.mark.parametrize("jobs", [1, 2])
def test_annotation_suppressions_made_while_checking_are_those_apply_reads(jobs, monkeypatch):
    """engine.run has each check part make its documents' annotation suppressions
    (suppress.annotation_suppressions, while their trees are at hand) and hands them to
    suppress.apply: the same report as apply reading every document itself."""
    from infergw_lint import suppress

    trees = [SAMPLES, FIXTURES]
    given = _report(trees, jobs, monkeypatch)
    apply, handed = suppress.apply, []

    def reads_itself(*args, **kwargs):
        handed.append(list(args[7]) if len(args) > 7 and args[7] is not None else None)
        return apply(*args[:7], **kwargs)

    monkeypatch.setattr(suppress, "apply", reads_itself)
    assert _report(trees, jobs, monkeypatch) == given
    assert handed and handed[0] and all(s.scope == "resource" for s in handed[0])  # some were handed over
    assert any(f["rule"] in ("IGW002", "IGW004") and "infergw-lint.io/ignore" in f["message"] for f in given["findings"])
