#!/usr/bin/env python3
"""Where a run's instructions go, phase by phase, and which of them no second process can take.

    python benchmarks/segments.py [--jobs N] [--floor] -- PATH [linter arguments]

Runs ``infergw-lint --format json -o /dev/null`` once under ``valgrind --tool=callgrind``
(instruction counts: the same for the same inputs whatever else the machine is doing,
unlike seconds on a shared machine) with a marker between the phases of the run, and prints
the instructions of each phase: start-up, loading, indexing, the lead part of a split check
phase, checking, and the tail (suppressions, documentation links, the report).  With
``--jobs 2`` the children that loading and checking fork are counted on their own, and the
critical path -- the serial phases plus the larger side of each split phase -- says how far
two processes can go with today's code.  ``--floor`` also counts the parse floor of
benchmarks/run.py (PyYAML's C compose of the same files).

A marker is a call of ``os.getppid`` (callgrind dumps its counters before each, with
``--dump-before=getppid``) and every fork (``--dump-before=_Fork``), so each phase is one dump
file.  PYTHONHASHSEED=0 and INFERGW_LINT_NO_CACHE=1 make the counts repeatable.  Slow: about
60 times the run's own time.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

# Runs in the measured interpreter: the console entry point, with a marker after each phase.
# The markers wrap module attributes that the run looks up when it calls them.
RUNNER = r"""
import os, sys
from infergw_lint import cli, engine, loader, parallel, suppress
from infergw_lint.reporters import json as json_report

PID = os.getpid()

def mark():
    if os.getpid() == PID:
        os.getppid()

def wrap(module, name, before=False, after=False):
    fn = getattr(module, name)
    def wrapped(*args, **kwargs):
        if before:
            mark()
        try:
            return fn(*args, **kwargs)
        finally:
            if after:
                mark()
    setattr(module, name, wrapped)

wrap(loader, "discover", after=True)                 # start-up | discovery
wrap(parallel, "_collect", before=True)              # a process's own parts | the children's
wrap(parallel, "fork_map", after=True)
wrap(engine, "check_documents", before=True, after=True)
wrap(suppress, "apply", before=True, after=True)
wrap(engine, "add_docs", before=True, after=True)
wrap(json_report, "iter_json", before=True)          # the report is written as it is made
_exit = os._exit
def exit_marked(code):
    mark()
    _exit(code)
os._exit = exit_marked
sys.argv[0] = "infergw-lint"
cli.console_main()
"""


def totals(pattern: str) -> list[tuple[str, int, int]]:
    """(file, pid, instructions) of each dump file, in the order they were written."""
    out = []
    for path in glob.glob(pattern):
        pid = total = None
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("pid:"):
                    pid = int(line.split()[1])
                elif line.startswith("summary:"):
                    total = int(line.split()[1])
                    break
        if pid is not None and total is not None:
            out.append((path, pid, total))
    out.sort(key=lambda r: os.stat(r[0]).st_mtime_ns)
    return out


def part_number(path: str) -> int:
    m = re.search(r"\.out(?:\.(\d+))?$", path)
    return int(m.group(1)) if m and m.group(1) else 1 << 30  # the last dump has no number


TAIL = ["(between)", "suppressions", "sort", "documentation links", "stack profile, notes", "report", "exit"]
PARENT_PHASES = {  # the parent's dump files in order, by what the markers above delimit
    1: ["start-up, discovery", "loading, index", "check", *TAIL],
    2: ["start-up, discovery", "before forking", "loading: own parts", "loading: the child's parts (unpickle)",
        "merge, index", "check: lead part", "check: own parts", "check: the child's parts (unpickle)",
        "check: merge", *TAIL],
}
SPLIT = {"loading: own parts": 0, "check: own parts": 1}  # phase -> the child that runs beside it


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1, help="processes (1 or 2)")
    ap.add_argument("--floor", action="store_true", help="count the parse floor too")
    ap.add_argument("--python", default=sys.executable, help="interpreter with infergw-lint installed")
    ap.add_argument("rest", nargs=argparse.REMAINDER, help="-- PATH [linter arguments]")
    args = ap.parse_args()
    rest = [a for a in args.rest if a != "--"]
    if not rest:
        ap.error("no PATH given")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed")
    env = dict(os.environ, PYTHONHASHSEED="0", INFERGW_LINT_NO_CACHE="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as work:
        runner = os.path.join(work, "runner.py")
        with open(runner, "w", encoding="utf-8") as fh:
            fh.write(RUNNER)
        cmd = [args.python, runner, "--format", "json", "-o", os.devnull, "-j", str(args.jobs), *rest]
        subprocess.run([args.python, runner, "--format", "json", "-o", os.devnull, "-j", "1", *rest], env=env,
                       capture_output=True)  # .pyc files written before counting
        subprocess.run(["valgrind", "--tool=callgrind", "--dump-before=getppid", "--dump-before=_Fork",
                        f"--callgrind-out-file={work}/cg.%p.out", *cmd], env=env, capture_output=True)
        rows = totals(f"{work}/cg.*.out*")
        if args.floor:
            import run  # benchmarks/run.py: the floor script and the file discovery it uses

            listing = os.path.join(work, "files.txt")
            with open(listing, "w", encoding="utf-8") as fh:
                fh.write("\n".join(run.list_files(rest[0])) + "\n")
            script = os.path.join(work, "floor.py")
            with open(script, "w", encoding="utf-8") as fh:
                fh.write(run.FLOOR_SCRIPT)
            subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/floor.out",
                            args.python, script, listing], env=env, capture_output=True)
            floor = totals(f"{work}/floor.out")
    if not rows:
        sys.exit("valgrind wrote no counts")
    parent = min(pid for _, pid, _ in rows)
    own = sorted((r for r in rows if r[1] == parent), key=lambda r: part_number(r[0]))
    children = [r for r in rows if r[1] != parent]
    names = PARENT_PHASES.get(args.jobs if children else 1, [])
    print("| phase | instructions (M) |\n|---|---|")
    for i, (_, _, n) in enumerate(own):
        name = names[i] if i < len(names) else f"segment {i + 1}"
        print(f"| {name} | {n / 1e6:,.0f} |")
    total = sum(n for _, _, n in rows)
    for k, (_, pid, n) in enumerate(children):
        print(f"| child {k + 1} ({'loading' if k == 0 else 'checking'}) | {n / 1e6:,.0f} |")
    print(f"| all processes | {total / 1e6:,.0f} |")
    path = None
    if children and len(own) == len(names):
        path = serial = 0
        for name, (_, _, n) in zip(names, own):
            beside = SPLIT.get(name)
            if beside is not None and beside < len(children):
                path += max(n, children[beside][2])
            else:
                serial += n
                path += n
        print(f"| critical path (serial phases + the larger side of each split) | {path / 1e6:,.0f} |")
        print(f"| of which serial | {serial / 1e6:,.0f} |")
    if args.floor and floor:
        f = floor[0][2]
        print(f"\nparse floor: {f / 1e6:,.0f} M instructions; all processes / floor {total / f:.2f}x"
              + (f"; critical path / floor {path / f:.2f}x" if path is not None else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
