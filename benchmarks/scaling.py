#!/usr/bin/env python3
"""Scaling of infergw-lint against the PyYAML compose floor, side by side in one run.

    python benchmarks/scaling.py                      # 2.5k..40k documents, 10 MB and 50 MB files, 3 rounds
    python benchmarks/scaling.py --sizes 2500,10000 --single-mb 10 --rounds 5 --checkov /tmp/benchvenv/bin/checkov

For each corpus size (``gen_corpus.generate``: tenant copies of sample_manifests/ with
~0.3 files per document) and each single file of repeated documents
(``gen_corpus.single_file``), the linter (``python -m infergw_lint --format json -o
/dev/null``) and the parse floor (``run.FLOOR_SCRIPT``: read the same files and compose
every document with PyYAML's C loader, nothing else) run in turns, ``--rounds`` times;
the table gives medians, and the ratio lint / floor is the median of the ratios of the
same round (noise from other jobs on the machine then hits both alike).  CPU time (user +
sys) is listed next to wall time: on a shared machine it moves less than wall time.
Optionally Checkov runs on the 10,000-document corpus (``--compact``: without it Checkov
writes ~100 MB of JSON).  Also: one small file from the installed entry point, and
``python -X importtime`` of the CLI, by module.

The Markdown goes into benchmarks/RESULTS.md between ``<!-- scaling:start -->`` and
``<!-- scaling:end -->`` (``run.py`` keeps that section when it rewrites the file).
No test asserts any of these times.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen_corpus  # noqa: E402
import run  # noqa: E402


def side_by_side(lint_cmd: list, floor_cmd: list, rounds: int, other_cmd: list | None = None) -> dict:
    """Medians of ``rounds`` rounds of the floor, the linter and (``other_cmd``, e.g. the
    linter in one process) a second linter command, run in turns."""
    run.run_once(floor_cmd, keep=0)  # warm-up: file cache, bytecode
    run.run_once(lint_cmd, keep=0)
    lint, floor, other = [], [], []
    for _ in range(rounds):
        floor.append(run.run_once(floor_cmd, keep=0))
        lint.append(run.run_once(lint_cmd, keep=0))
        if other_cmd:
            other.append(run.run_once(other_cmd, keep=0))
    for s in lint + other:
        if s.code not in (0, 1):
            raise RuntimeError(f"infergw-lint failed ({s.code}): {s.err[-1000:]}")
    extra = {}
    if other:
        extra = {
            "other_wall": statistics.median(s.wall for s in other),
            "other_cpu": statistics.median(s.cpu for s in other),
            "other_ratio_wall": statistics.median(a.wall / b.wall for a, b in zip(other, floor)),
            "other_ratio_cpu": statistics.median(a.cpu / b.cpu for a, b in zip(other, floor)),
        }
    return extra | {
        "lint_wall": statistics.median(s.wall for s in lint),
        "lint_cpu": statistics.median(s.cpu for s in lint),
        "lint_rss": max(s.rss_kb for s in lint) / 1024,
        "floor_wall": statistics.median(s.wall for s in floor),
        "floor_cpu": statistics.median(s.cpu for s in floor),
        "floor_rss": max(s.rss_kb for s in floor) / 1024,
        "ratio_wall": statistics.median(a.wall / b.wall for a, b in zip(lint, floor)),
        "ratio_cpu": statistics.median(a.cpu / b.cpu for a, b in zip(lint, floor)),
        "walls": [round(s.wall, 2) for s in lint],
    }


def documents(path: str) -> int:
    """Documents the linter reads (its JSON summary)."""
    s = run.run_once([sys.executable, "-m", "infergw_lint", "--format", "json", path], keep=None)  # 40k: > 16 MB
    return run.lint_summary(s).get("resources", 0)


def import_times(py: str, small: str) -> list[tuple[str, int]]:
    """(module, cumulative microseconds) of ``python -X importtime`` linting one small
    file (what one run imports), largest first."""
    s = run.run_once([py, "-X", "importtime", "-m", "infergw_lint", small])
    out = []
    for line in s.err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            out.append((m.group(4), int(m.group(2)), len(m.group(3))))
    top = sorted(((name, cum) for name, cum, depth in out if depth <= 3), key=lambda x: -x[1])
    return top[:15]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="2500,5000,10000,20000,40000", help="corpus sizes in documents")
    ap.add_argument("--single-mb", default="10,50", help="sizes of the single files in MB ('' = none)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of lint + floor per size (median)")
    ap.add_argument("--checkov", help="checkov executable: run it on the 10,000-document corpus")
    ap.add_argument("--write", default=os.path.join(HERE, "RESULTS.md"), help="Markdown file ('' = print only)")
    ap.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "infergw-scaling"))
    ap.add_argument("--lint-args", default="", help="extra arguments for the linter (e.g. \"--ignore IGW5\")")
    ap.add_argument("--compare-args", default="-j 1",
                    help="a second linter run in the same rounds, with these arguments ('' = none; default: one process)")
    ap.add_argument("--section", default="scaling", help="name of the RESULTS.md section to write")
    ap.add_argument("--no-small", action="store_true", help="skip the one-small-file and import-time measurements")
    ap.add_argument("--small-venv", help="a virtual environment with a regular (not editable) install, e.g. made "
                    "by `python -m venv V && V/bin/pip install .`: the one small file is linted with its "
                    "infergw-lint (an editable install adds its own import hook, ~20 ms here)")
    args = ap.parse_args(argv)
    py = sys.executable
    load_start = os.getloadavg()[0]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lint_cmd = [py, "-m", "infergw_lint", "--format", "json", "-o", os.devnull] + args.lint_args.split()
    other_cmd = lint_cmd + args.compare_args.split() if args.compare_args else None
    os.makedirs(args.work, exist_ok=True)

    rows = []
    checkov_row = None
    for n in [int(x) for x in args.sizes.split(",") if x]:
        d = os.path.join(args.work, f"docs{n}")
        info = gen_corpus.generate(d, int(n * 0.3), n)
        files = run.list_files(d)
        listing = d + ".files"
        with open(listing, "w", encoding="utf-8") as fh:
            fh.write("\n".join(files) + "\n")
        print(f"{n} documents: {len(files)} files ...", flush=True)
        r = side_by_side(lint_cmd + [d], [py, "-c", run.FLOOR_SCRIPT, listing], args.rounds,
                         other_cmd + [d] if other_cmd else None)
        r.update(label=f"{n:,} docs", docs=documents(d), files=len(files), mb=info["bytes"] / 1e6)
        rows.append(r)
        if n == 10000 and args.checkov:
            print("checkov on the 10,000-document corpus ...", flush=True)
            env = {**run.CHILD_ENV, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
            cmd = [args.checkov, "-d", d, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
                   "--skip-download"]
            ck = run.run_once(cmd, env=env, keep=4096)
            version = run.run_once([args.checkov, "--version"]).out.strip()
            checkov_row = (version, ck, " ".join(["checkov"] + cmd[1:]).replace(d, "DIR"), r)
        shutil.rmtree(d, ignore_errors=True)

    singles = []
    for mb in [float(x) for x in args.single_mb.split(",") if x]:
        path = os.path.join(args.work, f"single-{mb:g}mb.yaml")
        info = gen_corpus.single_file(path, mb)
        listing = path + ".files"
        with open(listing, "w", encoding="utf-8") as fh:
            fh.write(path + "\n")
        print(f"single file of {mb:g} MB ...", flush=True)
        r = side_by_side(lint_cmd + [path], [py, "-c", run.FLOOR_SCRIPT, listing], args.rounds,
                         other_cmd + [path] if other_cmd else None)
        r.update(label=f"one file, {info['bytes'] / 1e6:.0f} MB", docs=info["documents"], files=1, mb=info["bytes"] / 1e6)
        singles.append(r)
        os.remove(path)

    small = os.path.join(ROOT, "sample_manifests", "good", "40-routes.yaml")
    small_py = os.path.join(args.small_venv, "bin", "python") if args.small_venv else py
    exe = os.path.join(os.path.dirname(small_py), "infergw-lint")
    one_cmd = [exe, small] if os.path.exists(exe) else [small_py, "-m", "infergw_lint", small]
    install = "regular install" if args.small_venv else "this interpreter's install"
    one, imports = None, []
    if not args.no_small:
        print("one small file, import times ...", flush=True)
        one = run.measure_interleaved({
            "one": ("one", one_cmd),
            "bare": ("bare", [small_py, "-c", "pass"]),
        }, 10)
        imports = import_times(small_py, small)
    load_end = os.getloadavg()[0]

    text = report(rows, singles, checkov_row, one, one_cmd, imports, args, load_start, load_end, started, install)
    print(text)
    if args.write:
        old = open(args.write, encoding="utf-8").read() if os.path.exists(args.write) else ""
        name = args.section
        section = f"<!-- {name}:start -->\n{text}<!-- {name}:end -->"
        pat = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
        new = pat.sub(lambda _m: section, old) if pat.search(old) else old.rstrip("\n") + "\n\n" + section + "\n"
        with open(args.write, "w", encoding="utf-8") as fh:
            fh.write(new)
        print(f"written to {os.path.relpath(args.write, ROOT)}")
    return 0


def report(rows, singles, checkov_row, one, one_cmd, imports, args, load_start, load_end, started,
           install: str = "this interpreter's install") -> str:
    m = run.machine()
    per = [(r["lint_wall"] / r["docs"] * 1000 if r["docs"] else float("nan")) for r in rows]
    per_cpu = [(r["lint_cpu"] / r["docs"] * 1000 if r["docs"] else float("nan")) for r in rows]
    lines = [
        "## Scaling, side by side with the parse floor (`benchmarks/scaling.py"
        + (f" --lint-args='{args.lint_args}'" if args.lint_args else "") + "`)",
        "",
        f"- Run {started}: {m['nproc']} CPUs ({m.get('cpu', 'unknown')}), Python {m['python']}, PyYAML {m['pyyaml']}",
        f"- Load average {load_start:.2f} at the start and {load_end:.2f} at the end: the machine is shared "
        "with other jobs, so wall times are noisy; ratios pair the linter and the floor of the same round, "
        "and CPU time (user + sys) moves less than wall time",
        f"- Median of {args.rounds} rounds (linter and floor in turns, after a warm-up of each); floor = "
        "`yaml.compose_all(text, Loader=yaml.CSafeLoader)` over the same files; linter = "
        "`python -m infergw_lint --format json -o /dev/null`"
        + (f" {args.lint_args}" if args.lint_args else "")
        + f" (its default `--jobs`: one process per usable CPU, here {m['nproc']}, for inputs from 1 MB or 400 "
        "documents; CPU time counts every process)",
    ]
    if args.compare_args:
        lines.append(
            f"- In the same rounds, the linter with `{args.compare_args}` too: the last two columns "
            "(its wall time, and its ratio to the floor of the same round)"
        )
    lines += [
        "",
        "| input | files | documents | MB | lint wall | lint CPU | floor wall | floor CPU | lint / floor (wall) | "
        "lint / floor (CPU) | per 1,000 docs (wall) | per 1,000 docs (CPU) | peak RSS | RSS / input | lint runs (wall) |"
        + (f" `{args.compare_args}` wall | `{args.compare_args}` / floor |" if args.compare_args else ""),
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if args.compare_args else ""),
    ]
    for r, p, pc in zip(rows, per, per_cpu):
        lines.append(_row(r, p, pc))
    for r in singles:
        p = r["lint_wall"] / r["docs"] * 1000
        pc = r["lint_cpu"] / r["docs"] * 1000
        lines.append(_row(r, p, pc))
    lines.append("")
    if rows:
        first, last = rows[0], rows[-1]
        lines.append(
            f"Time per 1,000 documents at {last['label']} against {first['label']}: "
            f"{per[-1] / per[0]:.2f}x wall, {per_cpu[-1] / per_cpu[0]:.2f}x CPU (goal: within 1.2x)."
        )
        ten = next((r for r in rows if r["label"].startswith("10,000")), None)
        if ten:
            lines.append(
                f"10,000 documents: {ten['ratio_wall']:.2f}x the floor's wall time, {ten['ratio_cpu']:.2f}x its CPU "
                "time (goal: at most 1.5x)"
                + (f"; with `{args.compare_args}` {ten['other_ratio_wall']:.2f}x wall, {ten['other_ratio_cpu']:.2f}x CPU"
                   if "other_wall" in ten else "") + "."
            )
    if len(singles) >= 2:
        a, b = singles[0], singles[-1]
        lines.append(
            f"Single files: {b['mb'] / a['mb']:.1f}x the bytes take {b['lint_cpu'] / a['lint_cpu']:.2f}x the CPU time "
            f"(floor: {b['floor_cpu'] / a['floor_cpu']:.2f}x); peak RSS {a['lint_rss'] / a['mb']:.1f}x and "
            f"{b['lint_rss'] / b['mb']:.1f}x the file size (goal: linear, under 20x)."
        )
    if checkov_row is not None:
        version, ck, cmd, r = checkov_row
        lines += [
            "",
            f"Checkov {version} on the 10,000-document corpus, one run: {ck.wall:.1f} s wall, {ck.cpu:.1f} s CPU, "
            f"peak RSS {ck.rss_kb / 1024:.0f} MB (exit {ck.code}); infergw-lint in the same run: "
            f"{r['lint_wall']:.2f} s, so {ck.wall / r['lint_wall']:.0f}x faster. Command: `{cmd}` with "
            "BC_SKIP_MAPPING=TRUE and CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false (no network).",
        ]
    if one is None:
        return "\n".join(lines) + "\n"
    o, bare = one["one"], one["bare"]
    lines += [
        "",
        f"One small file (`{os.path.basename(one_cmd[0])} sample_manifests/good/40-routes.yaml`, {install}, median of 10): "
        f"{o.wall * 1000:.0f} ms wall ({o.best * 1000:.0f} ms best), {o.cpu * 1000:.0f} ms CPU; `python -c pass`: "
        f"{bare.wall * 1000:.0f} ms (goal: under 100 ms).",
        "",
        "Import time by module (`python -X importtime -m infergw_lint` on that file, cumulative, nested up to "
        "3 levels; `-X importtime` does not see modules imported through `importlib.import_module`: the rule "
        "pack (`infergw_lint.rules.igw*`) and what only it imports are missing from this list):",
        "",
        "| module | ms |",
        "|---|---|",
    ]
    lines += [f"| {name} | {us / 1000:.1f} |" for name, us in imports]
    return "\n".join(lines) + "\n"


def _row(r, p, pc) -> str:
    walls = ", ".join(f"{w:.2f}" for w in r["walls"])
    return (
        f"| {r['label']} | {r['files']} | {r['docs']} | {r['mb']:.1f} | {r['lint_wall']:.2f} s | {r['lint_cpu']:.2f} s | "
        f"{r['floor_wall']:.2f} s | {r['floor_cpu']:.2f} s | {r['ratio_wall']:.2f}x | {r['ratio_cpu']:.2f}x | "
        f"{p:.3f} s | {pc:.3f} s | {r['lint_rss']:.0f} MB | {r['lint_rss'] / r['mb']:.1f}x | {walls} |"
        + (f" {r['other_wall']:.2f} s | {r['other_ratio_wall']:.2f}x |" if "other_wall" in r else "")
    )


if __name__ == "__main__":
    sys.exit(main())
