"""Inline expectations for fixture files (the rule tests and ``infergw-lint test``).

* ``# expect: CODE[, CODE]`` at the end of a line: a finding of CODE starts on that line.
* ``# expect: CODE@LINE:COL`` anywhere: a finding of CODE starts exactly there (for places a
  comment cannot go, like inside an embedded JSON block).
* ``# args: --env prod``: extra command-line options for the fixture.
* JSON files cannot hold comments: ``NAME.json.expect`` beside them holds ``CODE@LINE:COL``
  lines (and optionally ``args: ...``).
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
