#!/usr/bin/env python3
"""Per-evaluation cost of the native CEL engine and of celpy, in one process.

    python benchmarks/cel_eval.py [REPEAT]

The (rule, value) pairs are those tests/test_cel_differential.py gathers: every bundled rule
text on the values the test manifests reach (at most 20 per rule).  Prints CPU microseconds
per evaluation for each engine, the cost of a verdict-store key (the projection and JSON the
celpy path pays per lookup), and the native compile time per rule.
"""

from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    import test_cel_differential as diff

    from infergw_lint.crd import cel
    from infergw_lint.crd.cel import fallback
    from infergw_lint.crd.cel.compile import compile_expr

    samples = diff.samples()
    pairs = [(text, v) for text, values in samples.items() for v in list(values.values())[:20]]
    native = {t: compile_expr(t) for t in samples}
    slow = {}
    for t in samples:
        try:
            slow[t] = fallback.program(t)
        except Exception:
            pass
    both = [(t, v) for t, v in pairs if t in slow]

    def per_eval(progs, reps):
        start = time.process_time()
        for _ in range(reps):
            for t, v in both:
                try:
                    progs[t].run(v)
                except Exception:
                    pass
        return (time.process_time() - start) / (reps * len(both)) * 1e6

    print(f"{len(both)} (rule, value) pairs, {len(samples)} rule texts")
    print(f"native: {per_eval(native, repeat):8.1f} us per evaluation")
    print(f"celpy:  {per_eval(slow, 1):8.1f} us per evaluation")
    start = time.process_time()
    for _ in range(5):
        for t, v in both:
            cel._key(v, None, {"rule": t})
            cel._exact(v)
    print(f"store key (projection + JSON): {(time.process_time() - start) / (5 * len(both)) * 1e6:.1f} us per lookup")
    start = time.process_time()
    for t in samples:
        compile_expr(t)
    print(f"native compile: {(time.process_time() - start) / len(samples) * 1e6:.0f} us per rule")


if __name__ == "__main__":
    main()
