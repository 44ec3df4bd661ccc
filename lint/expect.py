"""Inline expectations for fixture files (the rule tests and ``infergw-lint test``).

* ``# expect: CODE[, CODE]`` at the end of a line: a finding of CODE starts on that line.
* ``# expect: CODE@LINE:COL`` anywhere: a finding of CODE starts exactly there (for places a
  comment cannot go, like inside an embedded JSON block).
* ``# args: --env prod``: extra command-line options for the fixture.
* JSON files cannot hold comments: ``NAME.json.expect`` beside them holds ``CODE@LINE:COL``
  lines (and optionally ``args: ...``).
* ``NAME.fixed.yaml`` beside ``NAME.yaml`` (``NAME.fixed.json`` beside ``NAME.json``, a
  ``DIR.fixed/`` tree beside a fixture directory ``DIR/``): what ``--fix`` must make of the
  fixture, byte for byte (a file missing from ``DIR.fixed/`` must stay as it is). The fix
  must also be idempotent, and a rule it fixed must go quiet unless one of its fixes was
  refused. See ``check_fixes``.
"""

from __future__ import annotations

import os
import re
import shlex

EXPECT = re.compile(r"#\s*expect:\s*(.+?)\s*$")
ITEM = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*?)(?:@(\d+)(?::(\d+))?)?$")
ARGS = re.compile(r"^\s*#\s*args:\s*(.+?)\s*$")


def _items(spec: str, line: int | None, path: str):
    for part in spec.split(","):
        m = ITEM.match(part.strip())
        if not m:
            raise ValueError(f"{path}:{line}: bad expectation {part!r}")
        code, l, c = m.group(1), m.group(2), m.group(3)
        if l is None:
            yield (path, code, line, None)
        else:
            yield (path, code, int(l), int(c) if c else None)


def read_expectations(path: str) -> tuple[list, list[str]]:
    """(expected findings as (path, code, line, column|None), extra args) for one file."""
    expected: list = []
    args: list[str] = []
    if path.endswith(".json"):
        side = path + ".expect"
        if os.path.exists(side):
            with open(side, encoding="utf-8") as fh:
                for raw in fh:
                    raw = raw.strip()
                    if not raw:
                        continue
                    if raw.startswith("args:"):
                        args += shlex.split(raw[5:])
                        continue
                    expected += _items(raw, None, path)
        return expected, args
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, raw in enumerate(fh, start=1):
            m = ARGS.match(raw)
            if m:
                args += shlex.split(m.group(1))
                continue
            m = EXPECT.search(raw)
            if m:
                standalone = raw.lstrip().startswith("#")
                for item in _items(m.group(1), n, path):
                    if item[2] is None or (standalone and "@" not in m.group(1)):
                        raise ValueError(f"{path}:{n}: a comment-only expectation needs @LINE:COL")
                    expected.append(item)
    return expected, args


def fixture_files(root: str) -> list[str]:
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(dirs)
        for name in sorted(files):
            if name.endswith((".yaml", ".yml", ".json")):
                out.append(os.path.join(dirpath, name))
    return out


def compare(findings, expected) -> tuple[list[str], list[str]]:
    """(missing, unexpected) between findings and expectations; an expectation without a
    column matches any column on its line."""
    from collections import Counter

    exact = Counter((f.path, f.rule, f.line, f.column) for f in findings)
    lines = Counter((f.path, f.rule, f.line) for f in findings)
    missing = []
    for path, code, line, col in expected:
        if col is None:
            if lines[(path, code, line)] > 0:
                lines[(path, code, line)] -= 1
                continue
            missing.append(f"{code} at {path}:{line}")
        else:
            if exact[(path, code, line, col)] > 0:
                exact[(path, code, line, col)] -= 1
                lines[(path, code, line)] -= 1
                continue
            missing.append(f"{code} at {path}:{line}:{col}")
    unexpected = []
    for f in findings:
        key = (f.path, f.rule, f.line)
        if lines[key] > 0:
            lines[key] -= 1
            unexpected.append(f"{f.rule} at {f.path}:{f.line}:{f.column}: {f.message}")
    return missing, unexpected


# ---- expected fixes -------------------------------------------------------------------------


def is_fixed_companion(name: str) -> bool:
    """``NAME.fixed.yaml`` or ``DIR.fixed``: an expected --fix result, not a fixture."""
    return name.endswith(".fixed") or os.path.splitext(name)[0].endswith(".fixed")


def fixed_companion(target: str) -> str | None:
    """The expected --fix result of a fixture file or directory, when one is given."""
    if os.path.isdir(target):
        cand = target.rstrip("/" + os.sep) + ".fixed"
        return cand if os.path.isdir(cand) else None
    stem, ext = os.path.splitext(target)
    cand = stem + ".fixed" + ext
    return cand if os.path.isfile(cand) else None


def _read_bytes(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


def _diff(want: bytes, got: bytes, limit: int = 40) -> list[str]:
    import difflib

    a = want.decode("utf-8", "replace").splitlines()
    b = got.decode("utf-8", "replace").splitlines()
    lines = list(difflib.unified_diff(a, b, "expected", "got", lineterm=""))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more diff lines)"]
    return lines


def check_fixes(target: str, expected: str, result, options, lint) -> list[str]:
    """Problems (empty when none) with the fixes of ``result`` (a lint of ``target``) against
    ``expected`` (its ``fixed_companion``). ``lint(paths)`` lints again with the same rules
    and options. Nothing under ``target`` is written: the fixed text is checked in a
    temporary copy."""
    import codecs
    import shutil
    import tempfile

    from .fix import apply_fixes

    report = apply_fixes(result, options, write=False)
    by_path = {ff.path: ff for ff in report.files}
    if os.path.isdir(target):
        pairs = [(f, os.path.join(expected, os.path.relpath(f, target))) for f in fixture_files(target)]
    else:
        pairs = [(target, expected)]
    problems: list[str] = []
    fixed_codes, refused_codes = set(), set()
    outputs = {}
    for path, want_path in pairs:
        ff = by_path.get(path)
        before = _read_bytes(path)
        got = before
        if ff is not None:
            fixed_codes.update(f.rule for f, _ in ff.fixed)
            refused_codes.update(f.rule for f, _ in ff.refused)
            if ff.changed:
                got = (codecs.BOM_UTF8 if ff.bom else b"") + ff.new.encode("utf-8")
        want = _read_bytes(want_path) if os.path.isfile(want_path) else before
        outputs[path] = got
        if got != want:
            shown = want_path if os.path.isfile(want_path) else f"{path} (unchanged: no {want_path})"
            problems.append(f"the fix of {path} differs from {shown}:")
            problems += ["  " + line for line in _diff(want, got)]
            if ff is not None:
                problems += [f"  cannot fix {f.rule} at line {f.line}: {why}" for f, why in ff.refused]
    if problems:
        return problems

    # the fixed text: a second --fix changes nothing, and the fixed rules went quiet
    with tempfile.TemporaryDirectory(prefix="infergw-lint-test-") as tmp:
        if os.path.isdir(target):
            copy = os.path.join(tmp, os.path.basename(target.rstrip("/" + os.sep)) or "fixture")
            shutil.copytree(target, copy)
            for path, data in outputs.items():
                with open(os.path.join(copy, os.path.relpath(path, target)), "wb") as fh:
                    fh.write(data)
        else:
            copy = os.path.join(tmp, os.path.basename(target))
            with open(copy, "wb") as fh:
                fh.write(outputs[target])
        again = lint([copy])
        second = apply_fixes(again, options, write=False)
        for ff in second.changed:
            problems.append(f"a second --fix would change {os.path.relpath(ff.path, tmp)} again ({len(ff.fixed)} fix(es))")
        for f in again.findings:
            if f.suppression is None and f.rule in fixed_codes and f.rule not in refused_codes:
                problems.append(f"{f.rule} still fires after its fix at {os.path.relpath(f.path, tmp)}:{f.line}:{f.column}: {f.message}")
    return problems
