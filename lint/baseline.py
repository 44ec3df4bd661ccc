"""Baselines: accept today's findings, fail only on new ones.

``--write-baseline FILE`` records the fingerprint of every unsuppressed finding;
``--baseline FILE`` marks findings whose fingerprint is recorded as suppressed (kind
``external``).  Fingerprints name the rule, the resource and the field path, never a line,
so moving a resource within or across files does not bring its findings back.
"""

from __future__ import annotations

import json
from collections import Counter

from . import __version__


class BaselineError(Exception):
    pass


def write(path: str, findings: list) -> int:
    rows = sorted(
        (
            {"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "message": f.message}
            for f in findings
            if f.suppression is None
        ),
        key=lambda r: (r["path"], r["rule"], r["fingerprint"]),
    )
    data = {"version": 1, "tool": f"infergw-lint {__version__}", "findings": rows}
    from .safeio import write_text

    try:  # whole or nothing, no temporary file left on ENOSPC or any other error
        write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", json_like=True)
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(rows)


def read(path: str) -> Counter:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise BaselineError(f"baseline {path}: no such file (create it with --write-baseline)") from None
    except (OSError, ValueError) as exc:
        raise BaselineError(f"baseline {path}: cannot read: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("findings"), list):
        raise BaselineError(f"baseline {path}: not an infergw-lint baseline (version 1)")
    return Counter(r.get("fingerprint") for r in data["findings"] if isinstance(r, dict))


def apply(path: str, findings: list) -> int:
    """Mark baselined findings as suppressed; returns how many."""
    known = read(path)
    n = 0
    for f in findings:
        if f.suppression is None and known.get(f.fingerprint, 0) > 0:
            known[f.fingerprint] -= 1
            f.suppression = {"kind": "external", "justification": f"accepted in baseline {path}"}
            n += 1
    return n
