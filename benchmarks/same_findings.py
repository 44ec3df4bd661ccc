#!/usr/bin/env python3
"""Same findings, byte for byte, before and after a change.

    python benchmarks/same_findings.py BASE_REV [--rev REV] [TREE ...]

Lints each TREE (default: sample_manifests/, sample_manifests/bad, sample_manifests/good,
every tests/fixtures/IGWnnn directory, tests/fixtures/ as one tree, tests/realworld/ and
../shared/corpus when present) with the linter of BASE_REV and with the one of REV
(default: the working tree), both run from the repository root with ``--format json``
(``--env-before NAME=VALUE`` sets a variable for the BASE runs only: with
``INFERGW_LINT_CEL=celpy`` it compares the celpy and native CEL engines),
and compares the ``findings`` and ``summary`` of the two reports: the JSON text of each
finding must be identical, in the same order.  Each revision is exported with
``git archive`` into a temporary directory and run from there (``PYTHONPATH``), so
nothing is installed.  Exit code 0 when every tree matches, 1 otherwise (the first
differences are printed).
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tarfile
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def default_trees() -> list[str]:
    trees = ["sample_manifests", "sample_manifests/bad", "sample_manifests/good"]
    trees += sorted(os.path.relpath(p, ROOT).rstrip("/") for p in glob.glob(os.path.join(ROOT, "tests", "fixtures", "*/")))
    trees.append("tests/fixtures")
    for extra in ("tests/realworld", os.path.join("..", "shared", "corpus")):
        if os.path.isdir(os.path.join(ROOT, extra)):
            trees.append(extra)
    return trees


def export(rev: str | None, into: str) -> str:
    """A directory whose ``infergw_lint`` package is ``rev``'s lint/ + rules/ (None: the
    working tree)."""
    pkg_root = os.path.join(into, "pkg")
    src = os.path.join(into, "src")
    os.makedirs(src)
    if rev is None:
        base = ROOT
    else:
        archive = os.path.join(into, "rev.tar")
        with open(archive, "wb") as fh:
            subprocess.run(["git", "-C", ROOT, "archive", rev, "lint", "rules"], stdout=fh, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(src, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(src)
        base = src
    os.makedirs(pkg_root)
    pkg = os.path.join(pkg_root, "infergw_lint")
    os.symlink(os.path.join(base, "lint"), pkg) if rev is not None else _mirror(base, pkg)
    if rev is not None and not os.path.exists(os.path.join(pkg, "rules")):
        os.symlink(os.path.join(base, "rules"), os.path.join(base, "lint", "rules"))
    return pkg_root


def _mirror(base: str, pkg: str) -> None:
    """The working tree as a package without touching it: a directory of symlinks."""
    os.makedirs(pkg)
    for name in os.listdir(os.path.join(base, "lint")):
        os.symlink(os.path.join(base, "lint", name), os.path.join(pkg, name))
    os.symlink(os.path.join(base, "rules"), os.path.join(pkg, "rules"))


def lint(pkg_root: str, tree: str, extra_env: dict | None = None) -> tuple[list[str], dict, str]:
    env = {**os.environ, "PYTHONPATH": pkg_root, "PYTHONDONTWRITEBYTECODE": "1", **(extra_env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "infergw_lint", "--format", "json", "--no-color", tree],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        return [], {}, f"exit {proc.returncode}: {proc.stderr[-500:]}"
    findings = [json.dumps(f, sort_keys=False) for f in report.get("findings", [])]
    return findings, report.get("summary", {}), f"exit {proc.returncode}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", help="git revision before the change (e.g. main, a commit id)")
    ap.add_argument("--rev", help="git revision after the change (default: the working tree)")
    ap.add_argument("--env-before", action="append", default=[], metavar="NAME=VALUE",
                    help="environment of the BASE runs only, e.g. INFERGW_LINT_CEL=celpy with BASE HEAD "
                         "compares the CEL engines on one revision (repeatable)")
    ap.add_argument("trees", nargs="*", help="trees to lint (default: samples, fixtures, corpora)")
    args = ap.parse_args(argv)
    env_before = dict(item.split("=", 1) for item in args.env_before)
    trees = args.trees or default_trees()
    bad = 0
    total = 0
    with tempfile.TemporaryDirectory(prefix="infergw-same-") as tmp:
        before = export(args.base, os.path.join(tmp, "before"))
        after = export(args.rev, os.path.join(tmp, "after"))
        for tree in trees:
            fa, sa, ea = lint(before, tree, env_before)
            fb, sb, eb = lint(after, tree)
            total += len(fb)
            if fa == fb and sa == sb and ea == eb:
                print(f"same   {tree}: {len(fb)} findings")
                continue
            bad += 1
            print(f"DIFFER {tree}: {len(fa)} findings before, {len(fb)} after ({ea} / {eb})")
            for x, y in zip(fa + [""] * len(fb), fb + [""] * len(fa)):
                if x != y:
                    at = next((i for i, (a, b) in enumerate(zip(x, y)) if a != b), min(len(x), len(y)))
                    lo = max(0, at - 150)
                    print(f"  before: ...{x[lo:at + 250]}\n  after:  ...{y[lo:at + 250]}")
                    break
            if sa != sb:
                print(f"  summary before {sa}\n  summary after  {sb}")
    print(f"{len(trees) - bad} of {len(trees)} trees give the same findings ({total} findings after)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
