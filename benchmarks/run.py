#!/usr/bin/env python3
"""Benchmark infergw-lint against Checkov and against the raw YAML parse floor.

    python benchmarks/run.py                 # ~1,500 files / ~5,000 documents, 5 runs
    python benchmarks/run.py --checkov /tmp/benchvenv/bin/checkov --runs 7

Steps: generate a corpus (benchmarks/gen_corpus.py: tenant copies of sample_manifests/)
into benchmarks/out/corpus, then time, each as a child process and median of --runs:

* ``infergw-lint DIR`` (this interpreter: ``python -m infergw_lint``, JSON to a file);
* ``checkov -d DIR --framework kubernetes --quiet --compact -o json --skip-download``
  (``--skip-download``: no network calls, so the numbers measure linting only);
* the parse floor: a Python process that reads the same files and composes every YAML
  document with PyYAML's C loader (``yaml.compose_all(text, Loader=yaml.CSafeLoader)``)
  and does nothing else: what any Python linter built on PyYAML must at least spend;
* the pre-commit case: ``infergw-lint`` on one file, and the bare interpreter start;
* linear scaling: infergw-lint on 1/4, 1/2, 1x and 2x the corpus;
* what splitting the loading over processes (``--jobs``, lint/parallel.py) costs:
  pickling the loaded documents as a child sends them and unpickling them in the parent,
  against loading serially.

Each command runs under a tiny launcher process that forks it and reports wall time and,
from ``os.wait4``, CPU time and peak RSS (the largest resident set of the command or any of
its waited-for descendants; Checkov runs several processes).  Children run with Python
bytecode caching on (under benchmarks/out/pycache), as after a normal install, even where
the environment sets PYTHONDONTWRITEBYTECODE.  Results
are printed and written to benchmarks/RESULTS.md (``--write``).  Checkov is skipped with
a message when it is not installed; install it in its own virtualenv (its pins clash
with ours): ``python -m venv /tmp/benchvenv && /tmp/benchvenv/bin/pip install checkov``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import gen_corpus  # noqa: E402

EXTENSIONS = (".yaml", ".yml", ".json")
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
HIDDEN_DIRS_READ = {".continue"}

FLOOR_SCRIPT = r"""
import sys, yaml
Loader = yaml.CSafeLoader
docs = errors = 0
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8-sig", "replace")
    try:
        for node in yaml.compose_all(text, Loader=Loader):
            docs += node is not None
    except yaml.YAMLError:
        errors += 1
print(docs, errors)
"""

PICKLE_SCRIPT = r"""
import gc, pickle, sys, time
gc.disable()
from infergw_lint.loader import load
t0 = time.perf_counter()
result = load([sys.argv[1]])
t1 = time.perf_counter()
payload = (result.files, result.documents, result.problems)  # what a --jobs child sends back (trees released)
blob = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
t2 = time.perf_counter()
pickle.loads(blob)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, len(blob))
"""

STAGES_SCRIPT = r"""
import sys, time
t0 = time.perf_counter()
from infergw_lint.engine import Context, Options
from infergw_lint.index import Index
from infergw_lint.loader import load
from infergw_lint.rules import all_rules
rules = all_rules()
t1 = time.perf_counter()
result = load([sys.argv[1]])
t2 = time.perf_counter()
index = Index(result.documents)
ctx = Context(index, Options())
t3 = time.perf_counter()
per = {}
for rule in rules:
    start = time.perf_counter()
    for doc in result.documents:
        try:
            if rule.applies(doc):
                for rep in rule.check(doc, ctx) or ():
                    doc.span(rep.path, key=rep.key)
        except Exception:
            pass
    per[rule.code] = time.perf_counter() - start
t4 = time.perf_counter()
print(f"import\t{t1 - t0}")
print(f"load\t{t2 - t1}")
print(f"index\t{t3 - t2}")
print(f"rules\t{t4 - t3}")
for code, t in sorted(per.items(), key=lambda kv: -kv[1])[:8]:
    print(f"rule {code}\t{t}")
"""


# --------------------------------------------------------------------------------------
# measuring


class Sample:
    def __init__(self, wall: float, cpu: float, rss_kb: int, code: int, out: str, err: str):
        self.wall, self.cpu, self.rss_kb, self.code, self.out, self.err = wall, cpu, rss_kb, code, out, err


# A small launcher runs each command: a child forked from this (larger, long-lived)
# process would start with our resident set already counted in its peak RSS.
LAUNCHER = r"""
import os, sys, time
start = time.perf_counter()
report_fd = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    try:
        os.close(report_fd)
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
os.write(report_fd, f"{wall} {ru.ru_utime + ru.ru_stime} {ru.ru_maxrss} {os.waitstatus_to_exitcode(status)}".encode())
"""


# Children run as after a normal install: with compiled bytecode.  (Some environments set
# PYTHONDONTWRITEBYTECODE, which makes every run recompile the linter's ~50 modules; the
# warm-up run writes the cache under benchmarks/out/pycache instead of the source tree.)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
CHILD_ENV["PYTHONPYCACHEPREFIX"] = os.path.join(HERE, "out", "pycache")


def run_once(cmd: list[str], cwd: str = ROOT, env: dict | None = None, keep: int | None = 1 << 24) -> Sample:
    """Run ``cmd``: wall time, CPU time (user + sys) and peak RSS of it and its children.
    Its output is kept up to ``keep`` bytes (the tail; None = all)."""
    env = CHILD_ENV if env is None else env
    rfd, wfd = os.pipe()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            [sys.executable, "-S", "-c", LAUNCHER, str(wfd), *cmd], cwd=cwd, stdout=out, stderr=err,
            stdin=subprocess.DEVNULL, env=env, pass_fds=(wfd,),
        )
        os.close(wfd)
        with os.fdopen(rfd, "rb") as fh:
            stats = fh.read().decode()
        proc.wait()
        try:
            wall, cpu, rss, code = stats.split()
        except ValueError:
            raise RuntimeError(f"could not run {cmd[0]}: {stats!r}") from None

        def tail(fh) -> str:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(0 if keep is None else max(0, size - keep))
            return fh.read().decode("utf-8", "replace")

        return Sample(float(wall), float(cpu), int(rss), int(code), tail(out), tail(err))


class Measure:
    """Median of several runs of one command."""

    def __init__(self, label: str, samples: list[Sample]):
        self.label = label
        self.samples = samples
        self.wall = statistics.median(s.wall for s in samples)
        self.best = min(s.wall for s in samples)
        self.cpu = statistics.median(s.cpu for s in samples)
        self.rss_mb = max(s.rss_kb for s in samples) / 1024
        self.last = samples[-1]

    def row(self, floor: float | None = None) -> str:
        walls = ", ".join(f"{s.wall:.2f}" for s in self.samples)
        return (
            f"| {self.label} | {self.wall:.2f} s | {self.best:.2f} s | {self.cpu:.2f} s | {self.rss_mb:.0f} MB | {walls} |"
        )


def measure_interleaved(specs: dict, runs: int) -> dict:
    """Measure several commands in turns (a, b, a, b, ...): noise from other jobs on the
    machine then hits them alike, and their ratios stay meaningful."""
    for _, cmd in specs.values():
        run_once(cmd, keep=0)  # warm-up: bytecode cache, file cache
    samples: dict = {key: [] for key in specs}
    for _ in range(runs):
        for key, (_, cmd) in specs.items():
            samples[key].append(run_once(cmd))
    return {key: Measure(label, samples[key]) for key, (label, _) in specs.items()}


def measure(label: str, cmd: list[str], runs: int, warmup: int = 1, env: dict | None = None,
            keep: int | None = 1 << 24) -> Measure:
    for _ in range(warmup):
        run_once(cmd, env=env, keep=0)
    samples = [run_once(cmd, env=env, keep=keep) for _ in range(runs)]
    return Measure(label, samples)


# --------------------------------------------------------------------------------------
# environment


def machine() -> dict:
    info = {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    info["ram_gb"] = int(line.split()[1]) / 1024 / 1024
                    break
    except OSError:
        pass
    import yaml

    info["python"] = platform.python_version()
    info["pyyaml"] = f"{yaml.__version__} (libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'})"
    info["os"] = f"{platform.system()} {platform.release()}"
    return info


def find_checkov(given: str | None) -> str | None:
    for cand in (given, os.environ.get("CHECKOV"), shutil.which("checkov"), "/tmp/benchvenv/bin/checkov"):
        if cand and os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def list_files(top: str) -> list[str]:
    """The files infergw-lint reads under ``top`` (same walk rules)."""
    out = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and (not d.startswith(".") or d in HIDDEN_DIRS_READ))
        out += [os.path.join(root, f) for f in sorted(files) if f.endswith(EXTENSIONS)]
    return out


def lint_summary(sample: Sample) -> dict:
    try:
        return json.loads(sample.out)["summary"]
    except (ValueError, KeyError, TypeError):
        return {}


def checkov_summary(sample: Sample) -> dict:
    """Totals of the ``summary`` objects in Checkov's JSON (read from the output's tail)."""
    total: dict = {}
    for body in re.findall(r'"summary":\s*\{([^{}]*)\}', sample.out):
        for key, value in re.findall(r'"(\w+)":\s*(\d+)\b', body):
            total[key] = total.get(key, 0) + int(value)
    return total


# --------------------------------------------------------------------------------------
# main


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark infergw-lint against Checkov and the PyYAML parse floor.")
    ap.add_argument("--corpus", default=os.path.join(HERE, "out", "corpus"), help="where to generate the corpus")
    ap.add_argument("--files", type=int, default=1500)
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5, help="runs per measurement (median); default 5")
    ap.add_argument("--checkov", help="checkov executable (default: $CHECKOV, PATH, /tmp/benchvenv/bin/checkov)")
    ap.add_argument("--checkov-runs", type=int, default=3, help="runs of Checkov (slow); default 3")
    ap.add_argument("--no-checkov", action="store_true", help="skip Checkov")
    ap.add_argument("--no-scaling", action="store_true", help="skip the scaling runs")
    ap.add_argument("--write", default=os.path.join(HERE, "RESULTS.md"), help="Markdown results file ('' = none)")
    args = ap.parse_args(argv)
    args.load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    py = sys.executable
    lint_cmd = [py, "-m", "infergw_lint", "--format", "json"]
    info = gen_corpus.generate(args.corpus, args.files, args.docs)
    files = list_files(args.corpus)
    listing = os.path.join(os.path.dirname(args.corpus), "files.txt")
    with open(listing, "w", encoding="utf-8") as fh:
        fh.write("\n".join(files) + "\n")
    size_mb = sum(os.path.getsize(f) for f in files) / 1e6
    print(f"corpus: {args.corpus}: {len(files)} files, {size_mb:.1f} MB, {info['tenants']} tenants", flush=True)

    results: dict[str, Measure] = {}
    print("measuring infergw-lint and the parse floor ...", flush=True)
    results.update(measure_interleaved({
        "floor": ("PyYAML C-loader compose (floor)", [py, "-c", FLOOR_SCRIPT, listing]),
        "lint": ("infergw-lint", lint_cmd + [args.corpus]),
    }, args.runs))
    summary = lint_summary(results["lint"].last)
    if results["lint"].last.code not in (0, 1) or "Traceback" in results["lint"].last.err:
        print(results["lint"].last.err[-2000:], file=sys.stderr)
        print("infergw-lint failed on the corpus", file=sys.stderr)
        return 2

    checkov = None if args.no_checkov else find_checkov(args.checkov)
    checkov_version = None
    if checkov is None and not args.no_checkov:
        print(
            "checkov not found: skipping it (install it in its own venv: python -m venv /tmp/benchvenv && "
            "/tmp/benchvenv/bin/pip install checkov; then --checkov /tmp/benchvenv/bin/checkov)",
            flush=True,
        )
    if checkov:
        checkov_version = run_once([checkov, "--version"]).out.strip()
        print(f"measuring checkov {checkov_version} ({args.checkov_runs} runs, slow) ...", flush=True)
        env = {**CHILD_ENV, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
        results["checkov"] = measure(
            "Checkov",
            [checkov, "-d", args.corpus, "--framework", "kubernetes", "--quiet", "--compact", "-o", "json",
             "--skip-download"],
            args.checkov_runs, warmup=0, env=env, keep=4096,
        )

    print("measuring the single-file (pre-commit) case ...", flush=True)
    tenant = os.path.join(args.corpus, "t001", "good")
    results.update(measure_interleaved({
        "single": ("infergw-lint, one file (HTTPRoutes)",
                   [py, "-m", "infergw_lint", os.path.join(tenant, "40-routes.yaml")]),
        "single_bifrost": ("infergw-lint, one file (Bifrost ConfigMap + Deployment)",
                           [py, "-m", "infergw_lint", os.path.join(tenant, "50-bifrost.yaml")]),
        "python": ("python -c pass (interpreter start)", [py, "-c", "pass"]),
    }, max(args.runs, 10)))

    scaling = []
    if not args.no_scaling:
        print("measuring scaling ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="infergw-scale-") as tmp:
            for factor in (0.25, 0.5, 1, 2):
                d = os.path.join(tmp, f"x{factor}")
                sinfo = gen_corpus.generate(d, int(args.files * factor), int(args.docs * factor))
                m = measure(f"x{factor}", lint_cmd + [d], max(3, args.runs // 2))
                s = lint_summary(m.last)
                scaling.append((factor, sinfo["files"], s.get("resources", 0), m))

    print("measuring the cost of a process pool (pickling documents) ...", flush=True)
    pk = run_once([py, "-c", PICKLE_SCRIPT, args.corpus])
    try:
        t_load, t_dump, t_loads, n_bytes = (float(x) for x in pk.out.split())
    except ValueError:
        t_load = t_dump = t_loads = n_bytes = float("nan")

    print("measuring the stages ...", flush=True)
    stages = []
    st = run_once([py, "-c", STAGES_SCRIPT, args.corpus])
    for line in st.out.splitlines():
        name, _, value = line.partition("\t")
        try:
            stages.append((name, float(value)))
        except ValueError:
            pass

    text = report(args, info, files, size_mb, summary, results, scaling, checkov, checkov_version,
                  (t_load, t_dump, t_loads, n_bytes), stages)
    print()
    print(text)
    if args.write:
        # keep the sections other benchmark scripts write (<!-- NAME:start --> ... <!-- NAME:end -->)
        kept = ""
        if os.path.exists(args.write):
            with open(args.write, encoding="utf-8") as fh:
                kept = "".join(m.group(0) + "\n" for m in re.finditer(
                    r"<!-- ([\w-]+):start -->.*?<!-- \1:end -->", fh.read(), re.S))
        with open(args.write, "w", encoding="utf-8") as fh:
            fh.write(text + ("\n" + kept if kept else ""))
        print(f"written to {os.path.relpath(args.write, ROOT)}")
    return 0


def report(args, info, files, size_mb, summary, results, scaling, checkov, checkov_version, pickling, stages) -> str:
    m = machine()
    lint, floor = results["lint"], results["floor"]
    ck = results.get("checkov")
    single, bare = results["single"], results["python"]
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python benchmarks/run.py` (see its docstring for what is measured).",
        "",
        f"- Machine: {m['nproc']} CPUs ({m.get('cpu', 'unknown')}), {m.get('ram_gb', 0):.0f} GB RAM, {m['os']}",
        f"- Python {m['python']}, PyYAML {m['pyyaml']}" + (f", Checkov {checkov_version}" if checkov_version else ""),
        f"- Load average when the benchmark started: {args.load_start:.2f} (other jobs on the machine add noise: "
        "compare the best runs too)",
        f"- Corpus: {len(files)} files, {summary.get('resources', '?')} documents, {size_mb:.1f} MB "
        f"({info['tenants']} tenant copies of `sample_manifests/bad` + `good`, from `benchmarks/gen_corpus.py`)",
        f"- infergw-lint found {summary.get('errors', '?')} errors and {summary.get('warnings', '?')} warnings",
    ]
    if ck is not None:
        cs = checkov_summary(ck.last)
        lines.append(
            f"- Checkov: {cs.get('resource_count', '?')} resources, {cs.get('failed', '?')} failed and "
            f"{cs.get('passed', '?')} passed checks, {cs.get('parsing_errors', '?')} parsing errors"
        )
    lines += [
        f"- Median of {args.runs} runs after a warm-up run, infergw-lint and the floor taking turns"
        + (f" ({args.checkov_runs} for Checkov, no warm-up)" if ck else "")
        + "; wall time around the process, CPU = user + sys, peak RSS of the largest process; "
        "Python bytecode cached as after a normal install",
        "",
        "| tool | wall (median) | wall (best) | CPU (median) | peak RSS | runs (wall) |",
        "|---|---|---|---|---|---|",
        lint.row(),
    ]
    if ck is not None:
        lines.append(ck.row())
    lines += [floor.row(), single.row(), results["single_bifrost"].row(), bare.row(), ""]

    verdict = []
    if ck is not None:
        ratio = ck.wall / lint.wall
        verdict.append(("faster than Checkov", f"{ratio:.1f}x", ">= 20x", ratio >= 20))
    else:
        verdict.append(("faster than Checkov", "not measured (--no-checkov, or Checkov not found)", ">= 20x", None))
    over = lint.wall / floor.wall
    verdict.append(("time / parse floor", f"{over:.2f}x", "<= 3x", over <= 3))
    verdict.append(("peak RSS", f"{lint.rss_mb:.0f} MB", "< 200 MB", lint.rss_mb < 200))
    for key, what in (("single", "one file (routes), wall"), ("single_bifrost", "one file (Bifrost), wall")):
        w = results[key].wall
        verdict.append((what, f"{w * 1000:.0f} ms", "< 150 ms", w < 0.150))
    lines += ["| target | measured | goal | met |", "|---|---|---|---|"]
    for name, got, goal, ok in verdict:
        lines.append(f"| {name} | {got} | {goal} | {'-' if ok is None else ('yes' if ok else 'no')} |")
    lines.append("")

    if scaling:
        lines += [
            "Scaling (infergw-lint, same corpus generator at other sizes):",
            "",
            "| size | files | documents | wall | per 1,000 documents | peak RSS |",
            "|---|---|---|---|---|---|",
        ]
        for factor, nfiles, ndocs, meas in scaling:
            per = meas.wall / ndocs * 1000 if ndocs else float("nan")
            lines.append(f"| x{factor} | {nfiles} | {ndocs} | {meas.wall:.2f} s | {per:.2f} s | {meas.rss_mb:.0f} MB |")
        lines.append("")

    stage = dict(stages)
    if ck is not None and ck.wall / lint.wall < 20:
        lines += [
            f"The Checkov target is missed in this run ({ck.wall / lint.wall:.1f}x): Checkov's time "
            f"({ck.wall:.1f} s here) varies most with the load of the machine; compare several runs.",
            "",
        ]
    if results["single_bifrost"].wall >= 0.150:
        lines += [
            "The one-file target is missed for the file holding a Bifrost config: validating it against the "
            "Bifrost JSON Schema (IGW206) imports jsonschema, about 50 ms of the run.",
            "",
        ]
    if over > 3 and "load" in stage:
        lines += [
            f"The parse-floor target is missed: loading (read, compose, build the data, embedded JSON) takes "
            f"{stage['load']:.2f} s, {stage['load'] / floor.wall:.1f}x the whole floor process; the rest is the rules "
            f"({stage.get('rules', 0):.2f} s), turning their reports into located findings and writing the report.",
            "",
        ]
    if stages:
        lines += [
            "Where infergw-lint spends its time (one in-process run on the corpus; the rest of the wall time above is "
            "the interpreter start, turning reports into findings and writing the JSON report):",
            "",
            "| stage | seconds |",
            "|---|---|",
        ]
        lines += [f"| {name} | {t:.3f} |" for name, t in stages]
        lines.append("")

    t_load, t_dump, t_loads, n_bytes = pickling
    workers = m["nproc"]
    best = (t_load + t_dump) / workers + t_loads  # perfect split, plus the parent's serial unpickling
    lines += [
        "Loading split over processes (`--jobs`, lint/parallel.py), measured in one process on the whole corpus:",
        "",
        f"- loading (read + compose + build) serially: {t_load:.2f} s",
        f"- pickling the loaded documents (what the children send back; node trees are released): "
        f"{t_dump:.2f} s, {n_bytes / 1e6:.0f} MB",
        f"- unpickling them in the parent: {t_loads:.2f} s",
        f"- best case with {workers} processes (perfect split, no start-up cost): "
        f"({t_load:.2f} + {t_dump:.2f}) / {workers} + {t_loads:.2f} = {best:.2f} s against {t_load:.2f} s serially",
        "",
    ]
    if best >= t_load * 0.9:
        lines.append(
            "Splitting the loading does not pay for itself here (documents must come back to one process: "
            "the rules look across files); `--jobs` splits the rule checks too (only findings come back)."
        )
    else:
        lines.append(
            f"Splitting the loading saves at most {t_load - best:.2f} s on this machine; `--jobs` splits the rule "
            "checks too (only findings come back)."
        )
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
