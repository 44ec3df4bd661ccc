"""Discovery (loader.discover) against the os.walk it replaced: the same files in the same
order, the same notes and problems, over the project's own trees and over generated hostile
trees (symlink loops, symlinks to files and directories, broken symlinks, unreadable
directories, listings that break off, odd names, Helm charts, hidden and skipped
directories, excludes, skipped files)."""

from __future__ import annotations

import os
import random

import pytest

from infergw_lint import loader
from infergw_lint.config import PathMatcher
from infergw_lint.loader import (
    EXTENSIONS, HIDDEN_DIRS_READ, OWN_CONFIG_FILES, SKIP_DIRS, LoadResult, Problem, UsageError, _START,
    _is_helm_template, discover,
)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def old_discover(paths, result, exclude=None, skip=None):
    """discover() as it was before it listed each directory once (os.walk, os.path.join,
    os.path.islink per file to skip): the reference the new one must agree with."""
    out = []
    helm_skipped = {}
    skip_names = {os.path.basename(p) for p in skip} if skip else set()
    for given in paths:
        if given == "-":
            out.append(("-", "-"))
            continue
        if not os.path.lexists(given):
            raise UsageError(f"{given}: no such file or directory")
        if os.path.isdir(given):

            def walk_error(exc):
                where = exc.filename or given
                result.problems.append(
                    Problem(where, _START, f"cannot read directory: {exc.strerror or exc}; its files were not linted")
                )

            before, excluded = len(out), 0
            for root, dirs, files in os.walk(given, onerror=walk_error):
                dirs[:] = sorted(
                    d for d in dirs if d not in SKIP_DIRS and (not d.startswith(".") or d in HIDDEN_DIRS_READ)
                )
                for name in sorted(files):
                    if not name.endswith(EXTENSIONS) or name in OWN_CONFIG_FILES:
                        continue
                    full = os.path.join(root, name)
                    if skip and (name in skip_names or os.path.islink(full)) and os.path.realpath(full) in skip:
                        continue
                    if exclude is not None and exclude.matches(full):
                        excluded += 1
                        continue
                    if _is_helm_template(full):
                        chart = full.split(os.sep + "templates" + os.sep)[0]
                        helm_skipped[chart] = helm_skipped.get(chart, 0) + 1
                        continue
                    out.append((full, full))
            if len(out) == before and excluded:
                result.notes.append(
                    f"{given}: the configuration's exclude patterns leave out every file here ({excluded}); nothing was linted"
                )
            elif len(out) == before and not helm_skipped:
                result.notes.append(f"{given}: no *.yaml, *.yml or *.json files to lint here")
        elif skip and os.path.realpath(given) in skip:
            result.notes.append(f"{given}: not linted: it is {skip[os.path.realpath(given)]}")
        elif not given.lower().endswith(EXTENSIONS):
            result.notes.append(
                f"{given}: not linted: not a YAML or JSON file by its name (*.yaml, *.yml, *.json); "
                f"to lint it anyway: infergw-lint - < {given}"
            )
        else:
            out.append((given, given))
    for chart, n in helm_skipped.items():
        result.notes.append(
            f"{chart}: skipped {n} Helm template file(s) under templates/ "
            "(they are not YAML until rendered; render with `helm template` and lint the output)"
        )
    return out


def both(paths, exclude=None, skip=None):
    """(files, notes, problems) of the old and of the new discovery, or the error each raised."""
    got = []
    for fn in (old_discover, discover):
        result = LoadResult()
        try:
            files = fn(list(paths), result, exclude, skip)
        except UsageError as exc:
            got.append(("UsageError", str(exc)))
            continue
        got.append((files, result.notes, [(p.path, p.message) for p in result.problems]))
    return got


def assert_same(paths, exclude=None, skip=None):
    old, new = both(paths, exclude, skip)
    assert new == old
    return new


@pytest.mark.parametrize("tree", ["sample_manifests", "tests/fixtures", "tests/realworld", "examples", "tests", "."])
def test_same_files_as_os_walk_over_the_project_trees(tree):
    path = os.path.join(ROOT, tree)
    if not os.path.isdir(path):
        pytest.skip(f"{path} absent")
    files, _, _ = assert_same([path])
    assert files or tree == "."
    # relative, with a trailing separator, and named twice
    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        assert_same([tree])
        assert_same([os.path.join(tree, "")])
        assert_same([tree, tree])
    finally:
        os.chdir(cwd)


ODD_NAMES = [
    "a.yaml", "b.yml", "c.json", "d.YAML", "e.txt", "README", "f.yaml.bak", ".hidden.yaml", " space .yaml",
    "new\nline.yaml", "ünï.yaml", "templates.yaml", "x-templates-y.yml", ".infergw-lint.yaml",
    ".infergw-lint.yml", "Chart.yaml", "values.yaml", "-.yaml", "#.json", "*.yaml", "[a].yaml",
]
ODD_DIRS = ["d1", "d2", "templates", "charts", ".git", "node_modules", "__pycache__", ".venv", "venv", ".tox",
            ".continue", ".hidden", "with space", "ünï", "templates2", "a.yaml"]


def hostile_tree(base: str, seed: int) -> None:
    """A random tree under ``base``: nested directories of odd names, files of odd names,
    Helm charts (a Chart.yaml above templates/, or not), symlinks to files, to directories,
    to ancestors (loops), to nowhere, a FIFO, a name that is not UTF-8."""
    rng = random.Random(seed)
    dirs = [base]
    for _ in range(rng.randint(3, 25)):
        parent = rng.choice(dirs)
        d = os.path.join(parent, rng.choice(ODD_DIRS))
        os.makedirs(d, exist_ok=True)
        dirs.append(d)
    made = []
    for d in dirs:
        for name in rng.sample(ODD_NAMES, rng.randint(0, 6)):
            p = os.path.join(d, name)
            if not os.path.isdir(p):
                with open(p, "w") as fh:
                    fh.write("a: 1\n")
                made.append(p)
    for _ in range(rng.randint(0, 8)):
        d = rng.choice(dirs)
        name = rng.choice(["link.yaml", "link", "loop", "up", "broken.yaml", "dirlink.yaml", "l2.json"])
        p = os.path.join(d, name)
        if os.path.lexists(p):
            continue
        target = rng.choice(dirs + made + [os.path.join(base, "nowhere"), "..", "."])
        os.symlink(target, p)
    if rng.random() < 0.6:  # a Helm chart somewhere (its templates/ may hold a subdirectory)
        chart = os.path.join(rng.choice(dirs), rng.choice(["chart", "templates", "d1"]))
        sub = os.path.join(chart, "templates", rng.choice(["", "sub"]))
        os.makedirs(sub, exist_ok=True)
        dirs.append(sub)
        for p in (os.path.join(chart, "Chart.yaml"), os.path.join(sub, "deploy.yaml")):
            if not os.path.isdir(p):
                with open(p, "w") as fh:
                    fh.write("a: 1\n")
    if rng.random() < 0.3:
        os.mkfifo(os.path.join(rng.choice(dirs), "fifo.yaml"))
    if rng.random() < 0.5:
        with open(os.path.join(os.fsencode(rng.choice(dirs)), b"bad\xff\xfe.yaml"), "w") as fh:
            fh.write("a: 1\n")


def _skip_of(base: str, rng: random.Random) -> dict:
    files = []
    for d, _, names in os.walk(base):
        files += [os.path.join(d, n) for n in names]
    picked = rng.sample(files, min(len(files), 2)) if files else []
    return {os.path.realpath(p): "the --output file of this run" for p in picked}


@pytest.mark.parametrize("seed", range(40))
def test_same_files_as_os_walk_over_hostile_trees(tmp_path, seed):
    base = str(tmp_path / "t")
    os.mkdir(base)
    hostile_tree(base, seed)
    rng = random.Random(seed)
    assert_same([base])
    assert_same([base + os.sep])
    assert_same([base], skip=_skip_of(base, rng))
    assert_same([base], exclude=PathMatcher(base, rng.sample(["d1", "**/*.json", "templates/**", "a.yaml", "ünï"], 2)))
    assert_same([base], exclude=PathMatcher(base, ["**"]))
    # named files and directories among the tree's own paths, relative to a working
    # directory that is (or is not) under templates/
    named = []
    for d, subdirs, names in os.walk(base):
        named += [os.path.relpath(os.path.join(d, n), base) for n in (subdirs + names)[:2]]
    cwd = os.getcwd()
    try:
        os.chdir(base)
        assert_same(["."])
        assert_same(named[:6], skip=_skip_of(base, rng))
        inner = [d for d, _, _ in os.walk(base) if "templates" in d]
        if inner:
            os.chdir(inner[0])
            assert_same(["."])
            assert_same([os.path.relpath(base, inner[0])])
    finally:
        os.chdir(cwd)


def test_unreadable_directories_and_listings_that_break_off(tmp_path, monkeypatch):
    """A directory that cannot be listed, and one whose listing fails half-way, are left
    out with the same problem records (os.walk drops what it had listed of the second)."""
    base = str(tmp_path / "t")
    for seed in range(12):
        os.makedirs(os.path.join(base, str(seed)))
        hostile_tree(os.path.join(base, str(seed)), seed)
    real = os.scandir
    all_dirs = sorted(d for d, _, _ in os.walk(base))
    rng = random.Random(7)

    class BreaksOff:
        def __init__(self, path):
            self.path = path
            self.inner = real(path)
            self.n = 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.inner.close()

        def close(self):
            self.inner.close()

        def __iter__(self):
            return self

        def __next__(self):
            self.n += 1
            if self.n > 1:
                raise OSError(5, "Input/output error", self.path)
            return next(self.inner)

    reported = 0
    for trial in range(10):
        denied = set(rng.sample(all_dirs, 3))
        broken = set(rng.sample(all_dirs, 3))

        def scandir(path=".", denied=denied, broken=broken):
            if path in denied:
                raise PermissionError(13, "Permission denied", path)
            if path in broken:
                return BreaksOff(path)
            return real(path)

        monkeypatch.setattr(os, "scandir", scandir)
        files, notes, problems = assert_same([base])
        reported += len(problems)
        monkeypatch.setattr(os, "scandir", real)
    assert reported


def test_a_path_that_is_gone_and_stdin():
    assert both(["/nonexistent/x.yaml"])[1] == both(["/nonexistent/x.yaml"])[0] == (
        "UsageError", "/nonexistent/x.yaml: no such file or directory"
    )
    assert_same(["-", os.path.join(ROOT, "README.md"), os.path.join(ROOT, "sample_manifests")])


def test_a_tree_deeper_than_the_recursion_limit(tmp_path):
    """os.walk recursed (RecursionError past ~1,000 levels); discovery keeps a stack."""
    made = []
    try:
        d = str(tmp_path)
        for _ in range(1200):
            d = os.path.join(d, "a")
            os.mkdir(d)  # (os.makedirs recurses too)
            made.append(d)
        with open(os.path.join(d, "x.yaml"), "w") as fh:
            fh.write("a: 1\n")
        assert discover([str(tmp_path)], LoadResult()) == [(os.path.join(d, "x.yaml"),) * 2]
    finally:  # removed here, bottom up: pytest's clean-up of its temporary folders recurses too
        if made and os.path.exists(os.path.join(made[-1], "x.yaml")):
            os.remove(os.path.join(made[-1], "x.yaml"))
        for d in reversed(made):
            os.rmdir(d)
