#!/usr/bin/env python3
"""The reporters alone: lint a tree once, then time each output format's rendering.

    python benchmarks/reporters.py /tmp/c10k                 # every format, 5 rounds
    python benchmarks/reporters.py /tmp/c10k --rounds 9 text sarif
    python benchmarks/reporters.py /tmp/c10k --profile text  # cProfile of one rendering

The tree is linted once in one process (``engine.run``, ``--jobs 1``), with the collector
thresholds the command sets (lint/cli.py ``console_main``); each format is then rendered
``--rounds`` times through ``reporters.render`` (``json`` through ``render_json``, as the
command writes it), with the caches that a process starts without emptied before each
round.  Process time, min and every round.  Generate the 10,000-document corpus with
``python benchmarks/gen_corpus.py /tmp/c10k --docs 10000 --files 3000``.  Compare two
checkouts side by side in the same minute (the machine is shared).  No test asserts any
of these times.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time

from infergw_lint import cli, engine
from infergw_lint import reporters
from infergw_lint.reporters import FORMATS, render
from infergw_lint.reporters import text as text_reporter
from infergw_lint.reporters.json import render_json


def _cold() -> None:
    """Empty the caches a fresh process starts without."""
    for fn in (getattr(reporters, "message_parts", None), getattr(text_reporter, "_char_cells", None)):
        if fn is not None:
            fn.cache_clear()


def _render(fmt: str, result, fixable) -> str:
    if fmt == "json":
        return render_json(result)
    return render(fmt, result, width=120, fixable=fixable)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path")
    ap.add_argument("formats", nargs="*", default=list(FORMATS))
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="cProfile one rendering of each format instead")
    args = ap.parse_intermixed_args()
    gc.set_threshold(20_000, 10, 10)
    options = engine.Options(jobs=1)
    result = engine.run([args.path], options)
    fixable = cli._fixable(result, options)
    print(f"{args.path}: {len(result.findings)} findings")
    for fmt in args.formats:
        _cold()
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(_render, fmt, result, fixable)
            print(f"--- {fmt}")
            pstats.Stats(prof).sort_stats("tottime").print_stats(15)
            continue
        times = []
        for _ in range(args.rounds):
            _cold()
            start = time.process_time()
            out = _render(fmt, result, fixable)
            times.append(time.process_time() - start)
        rounds = " ".join(f"{t:.3f}" for t in times)
        print(f"{fmt:8s} min {min(times):.3f} s  rounds {rounds}  ({len(out):,} characters)")


if __name__ == "__main__":
    main()
